// The packed call buffer (wasm/pack.hpp): a well-formed call round-trips through the decoder, and
// every malformed slot is an error naming it, never a cast of NaN or a read past the buffer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "pack.hpp"

namespace losslab {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

int loss_index(const char* name) {
  for (std::size_t i = 0; i < losses().size(); ++i)
    if (std::strcmp(losses()[i].name, name) == 0) return static_cast<int>(i);
  return -1;
}

// Writes slots from 0.
void write(const std::vector<double>& v) {
  double* p = pack::reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) p[i] = v[i];
}

double ptr(const void* p) { return static_cast<double>(reinterpret_cast<uintptr_t>(p)); }

// The tensor a forward call left in the buffer (and frees it).
std::vector<float> take_f32_result() {
  const double* p = pack::buffer();
  EXPECT_EQ(p[0], 0) << "float32 result";
  auto* data = reinterpret_cast<float*>(static_cast<uintptr_t>(p[1]));
  int64_t n = 1;
  for (int k = 0; k < static_cast<int>(p[2]); ++k) n *= static_cast<int64_t>(p[3 + k]);
  std::vector<float> out(data, data + n);
  std::free(data);
  return out;
}

struct HuberCall {
  std::vector<float> x = {0.0f, 3.0f}, y = {1.0f, 0.0f};
  // [force_scalar, reduction, x, y, delta tag, delta]
  std::vector<double> slots(double reduction, double delta_tag, double delta) {
    return {0, reduction, 0, ptr(x.data()), 1, 2, 0, ptr(y.data()), 1, 2, delta_tag, delta};
  }
};

TEST(Pack, LossForwardRoundTrips) {
  HuberCall c;
  write(c.slots(2, 1, 2.0));  // reduction 'sum' (code 2), delta = 2
  ASSERT_EQ(pack::loss_forward(loss_index("huber_loss")), 0) << pack::last_error().message;
  // torch: F.huber_loss(tensor([0., 3.]), tensor([1., 0.]), reduction='sum', delta=2.) = 4.5
  const auto v = take_f32_result();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], 4.5f);
}

void expect_malformed(int rc, const std::string& what) {
  ASSERT_EQ(rc, 1);
  EXPECT_EQ(pack::last_error().type, "RuntimeError");
  EXPECT_NE(pack::last_error().message.find("malformed call"), std::string::npos)
      << pack::last_error().message;
  EXPECT_NE(pack::last_error().message.find(what), std::string::npos) << pack::last_error().message;
}

TEST(Pack, MalformedSlotsAreNamedErrors) {
  const int huber = loss_index("huber_loss");
  HuberCall c;
  auto s = c.slots(kNaN, 1, 1.0);  // a NaN reduction code (casting it to int was undefined)
  write(s);
  expect_malformed(pack::loss_forward(huber), "reduction code out of range at slot 1");
  s = c.slots(9, 1, 1.0);
  write(s);
  expect_malformed(pack::loss_forward(huber), "reduction code");
  s = c.slots(1, 2, 1.0);  // an option tag that is neither 0 nor 1
  write(s);
  expect_malformed(pack::loss_forward(huber), "option tag");
  s = c.slots(1, 1, 1.0);
  s[2] = 17;  // no such dtype
  write(s);
  expect_malformed(pack::loss_forward(huber), "dtype code");
  s = c.slots(1, 1, 1.0);
  s[5] = 0.5;  // a fractional dimension
  write(s);
  expect_malformed(pack::loss_forward(huber), "dimension");
  s = c.slots(1, 1, 1.0);
  s[4] = 1e12;  // ndim beyond the buffer
  write(s);
  expect_malformed(pack::loss_forward(huber), "ndim");
  s = c.slots(1, 1, 1.0);
  s[3] = -8;  // a negative pointer
  write(s);
  expect_malformed(pack::loss_forward(huber), "pointer");
}

TEST(Pack, ReadsStopAtTheBufferEnd) {
  pack::reserve(8);
  double* p = pack::buffer();
  const std::size_t n = pack::slots();
  // an activation whose input TENSOR claims the whole buffer's remaining slots as dims (each 1)
  p[0] = 0;
  p[1] = -1;
  p[2] = 0;
  p[3] = 0;
  p[4] = static_cast<double>(n - 5);
  for (std::size_t i = 5; i < n; ++i) p[i] = 1;
  expect_malformed(pack::activation(0, false), "read past the end");
}

TEST(Pack, IntOptionWordsAreChecked) {
  const int multi = loss_index("nll_loss");
  ASSERT_GE(multi, 0);
  std::vector<float> x = {-1.0f, -2.0f, -0.5f};
  std::vector<int64_t> y = {2};
  // nll_loss(input, target, weight, ignore_index): ignore_index an int option
  const LossSpec& spec = losses()[static_cast<std::size_t>(multi)];
  std::vector<double> s = {0, 1, 0, ptr(x.data()), 2, 1, 3, 2, ptr(y.data()), 1, 1};
  for (const OptionSpec& o : spec.options) {
    if (o.kind == OptionKind::Int) {
      s.push_back(1);
      s.push_back(kNaN);  // hi
      s.push_back(1);     // lo
    } else {
      s.push_back(0);
    }
  }
  write(s);
  expect_malformed(pack::loss_forward(multi), "int high word");
  s[s.size() - 2] = 0;
  s[s.size() - 1] = 4294967296.0;  // lo beyond 32 bits
  write(s);
  expect_malformed(pack::loss_forward(multi), "int low word");
  s[s.size() - 1] = 7;  // ignore_index = 7: the call is well-formed
  write(s);
  ASSERT_EQ(pack::loss_forward(multi), 0) << pack::last_error().message;
  EXPECT_EQ(take_f32_result(), (std::vector<float>{0.5f}));  // torch: -x[0, 2]
}

TEST(Pack, OperatorsAndIndexingAreChecked) {
  std::vector<float> x = {1.0f, 2.0f};
  write({0, 0, ptr(x.data()), 1, 2, 1, 0, 2.0, 0, 0});  // x + 2.0
  ASSERT_EQ(pack::binary(0, false), 0) << pack::last_error().message;
  EXPECT_EQ(take_f32_result(), (std::vector<float>{3.0f, 4.0f}));
  write({0, 0, ptr(x.data()), 1, 2, 1, 0, 2.0, 0, 0});
  expect_malformed(pack::binary(99, false), "unknown operator");
  write({0, 0, ptr(x.data()), 1, 2, 1, 5, 2.0, 0, 0});  // number kind 5
  expect_malformed(pack::binary(0, false), "number kind");
  write({0, ptr(x.data()), 1, 2});
  expect_malformed(pack::take(0, kNaN, 0, false, 0, false, 1), "not an integer");
  write({0, ptr(x.data()), 1, 2});
  ASSERT_EQ(pack::take(1, 0, 1, true, 0, false, 1), 0) << pack::last_error().message;
  EXPECT_EQ(take_f32_result(), (std::vector<float>{2.0f}));  // x[1]
  write({1, 2, 1, ptr(x.data()), 1e9});  // an instruction count beyond the buffer
  expect_malformed(pack::fused(), "instruction count");
}

}  // namespace
}  // namespace losslab
