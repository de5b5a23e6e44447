// torch_repr against how torch 1.13.1 printed the same tensors (tests/golden/format.json,
// written by scripts/gen_format_fixtures.py).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "losslab/format.hpp"

using namespace losslab;
using nlohmann::json;

namespace {

const json& cases() {
  static const json j = [] {
    std::ifstream f(LOSSLAB_FORMAT_JSON);
    return json::parse(f);
  }();
  return j["cases"];
}

std::vector<std::string> names() {
  std::vector<std::string> n;
  for (const auto& c : cases()) n.push_back(c["name"]);
  return n;
}

class Format : public ::testing::TestWithParam<std::string> {};

TEST_P(Format, MatchesTorchRepr) {
  const json* c = nullptr;
  for (const auto& x : cases())
    if (x["name"] == GetParam()) c = &x;
  ASSERT_NE(c, nullptr);
  const std::string dt = (*c)["dtype"];
  Shape shape = (*c)["shape"].get<Shape>();
  std::vector<unsigned char> buf;
  TensorView v;
  v.shape = shape;
  const int64_t n = shape_numel(shape);
  if (dt == "float32") {
    v.dtype = DType::Float32;
    buf.resize(static_cast<std::size_t>(n) * 4);
    for (int64_t i = 0; i < n; ++i) {
      const uint32_t b =
          static_cast<uint32_t>(std::stoul((*c)["hex"][i].get<std::string>(), nullptr, 16));
      std::memcpy(buf.data() + i * 4, &b, 4);
    }
  } else if (dt == "float64") {
    v.dtype = DType::Float64;
    buf.resize(static_cast<std::size_t>(n) * 8);
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t b = std::stoull((*c)["hex"][i].get<std::string>(), nullptr, 16);
      std::memcpy(buf.data() + i * 8, &b, 8);
    }
  } else if (dt == "int64") {
    v.dtype = DType::Int64;
    buf.resize(static_cast<std::size_t>(n) * 8);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t x = std::stoll((*c)["values"][i].get<std::string>());
      std::memcpy(buf.data() + i * 8, &x, 8);
    }
  } else {
    v.dtype = DType::Int32;
    buf.resize(static_cast<std::size_t>(n) * 4);
    for (int64_t i = 0; i < n; ++i) {
      const int32_t x = std::stoi((*c)["values"][i].get<std::string>());
      std::memcpy(buf.data() + i * 4, &x, 4);
    }
  }
  v.data = buf.data();
  EXPECT_EQ(torch_repr(v), (*c)["repr"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Torch113, Format, ::testing::ValuesIn(names()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string s = p.param;
                           for (char& ch : s)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

// 100000 dims of size 1: the pattern torch's printer gives (format.json has it at 200 dims, where
// torch's recursive printer still runs), without a stack frame per dim (a recursive printer
// overflows the stack here, natively and in wasm).
TEST(FormatDeep, HundredThousandDimsOfSizeOne) {
  const std::size_t nd = 100000;
  const float one = 2.0f;
  TensorView v;
  v.dtype = DType::Float32;
  v.shape = Shape(nd, 1);
  v.data = &one;
  const std::string want = "tensor(" + std::string(nd, '[') + "2." + std::string(nd, ']') + ")";
  for (int k = 0; k < 3; ++k) ASSERT_EQ(torch_repr(v), want);
}

}  // namespace
