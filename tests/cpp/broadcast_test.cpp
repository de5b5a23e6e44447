// expand_to against a plain multi-index reference, over every source shape that broadcasts to
// each of many output shapes (dims 0..4 of sizes 0..3, sources with dropped leading dims and any
// dim set to 1): the block fast paths (a scalar, a trailing block repeated) and the index walk.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "losslab/broadcast.hpp"

namespace losslab {
namespace {

// out[i] = src[offset of i's multi-index in src], the definition of broadcasting.
std::vector<int32_t> reference(const std::vector<int32_t>& src, const Shape& from,
                               const Shape& to) {
  const int64_t n = shape_numel(to);
  std::vector<int32_t> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, off = 0, stride = 1;
    for (std::size_t k = to.size(); k-- > 0;) {
      const int64_t idx = rest % to[k];
      rest /= to[k];
      const std::size_t lead = to.size() - from.size();
      if (k >= lead) {
        const int64_t fs = from[k - lead];
        off += (fs == 1 ? 0 : idx) * stride;
        stride *= fs;
      }
    }
    out[static_cast<std::size_t>(i)] = src[static_cast<std::size_t>(off)];
  }
  return out;
}

TEST(Broadcast, ExpandToMatchesTheDefinition) {
  int checked = 0;
  std::vector<Shape> outs = {{}};
  for (int nd = 1; nd <= 4; ++nd) {
    std::vector<Shape> next;
    for (const Shape& s : outs)
      if (static_cast<int>(s.size()) == nd - 1)
        for (int64_t d : {0, 1, 2, 3}) {
          Shape t = s;
          t.push_back(d);
          next.push_back(t);
        }
    outs.insert(outs.end(), next.begin(), next.end());
  }
  for (const Shape& to : outs) {
    const std::size_t nd = to.size();
    for (std::size_t keep = 0; keep <= nd; ++keep)  // the source's number of dims
      for (unsigned ones = 0; ones < (1u << keep); ++ones) {
        Shape from(to.end() - static_cast<std::ptrdiff_t>(keep), to.end());
        for (std::size_t k = 0; k < keep; ++k)
          if (ones & (1u << k)) from[k] = 1;
        std::vector<int32_t> src(static_cast<std::size_t>(shape_numel(from)));
        for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<int32_t>(1000 + 7 * i);
        auto got = expand_to(TensorView{DType::Int32, from, src.data()}, to);
        ASSERT_TRUE(got.ok()) << shape_str(from) << " -> " << shape_str(to);
        const auto want = reference(src, from, to);
        const int32_t* g = got.value().as<int32_t>();
        for (std::size_t i = 0; i < want.size(); ++i)
          ASSERT_EQ(g[i], want[i]) << shape_str(from) << " -> " << shape_str(to) << " at " << i;
        ++checked;
      }
  }
  EXPECT_GT(checked, 3000);
}

}  // namespace
}  // namespace losslab
