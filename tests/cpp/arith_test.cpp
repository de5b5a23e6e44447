// Tensor arithmetic (arith.hpp) against torch 1.13.1: every case of tests/golden/arith.json
// (scripts/gen_arith_fixtures.py), dtype, shape and bits (-0 distinct, NaN as NaN), and torch's
// error messages; natively, sanitized and in both wasm builds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "golden_call.hpp"
#include "golden_util.hpp"
#include "losslab/arith.hpp"

using namespace losslab;
using golden::json;

namespace {

const json& fixture() {
  static const json j = golden::load_json(LOSSLAB_ARITH_JSON);
  return j;
}

Scalar number_of(const json& o) {
  Scalar s;
  s.is_float = o.at("kind") == "float";
  const json& v = o.at("number");
  if (s.is_float)
    s.f = golden::json_number(v);
  else
    s.i = v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>();
  return s;
}

template <class T>
bool same_bits(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  }
  return std::memcmp(&a, &b, sizeof a) == 0;
}

template <class T>
int count_diffs(const Tensor& got, const golden::Decoded& want, const std::vector<T>& w,
                const std::string& id) {
  int bad = 0;
  for (int64_t i = 0; i < got.numel(); ++i)
    if (!same_bits(got.as<T>()[i], w[static_cast<std::size_t>(i)]) && ++bad <= 3)
      ADD_FAILURE() << id << "[" << i << "]: " << got.as<T>()[i] << " vs "
                    << w[static_cast<std::size_t>(i)];
  (void)want;
  return bad;
}

}  // namespace

TEST(Arith, TorchCasesBitForBit) {
  const json& j = fixture();
  ASSERT_TRUE(j.is_object()) << LOSSLAB_ARITH_JSON << " is missing or unreadable";
  int checked = 0;
  for (const json& c : j.at("cases")) {
    const std::string id = c.at("id");
    const std::string op = c.at("op");
    golden::Decoded ta, tb;
    TensorView va, vb;
    Operand a, b;
    if (c["a"].contains("number")) {
      a = Operand::of(number_of(c["a"]));
    } else {
      ta = golden::decode(c["a"]);
      va = ta.view();
      a = Operand::of(va);
    }
    if (op != "neg") {
      if (c["b"].contains("number")) {
        b = Operand::of(number_of(c["b"]));
      } else {
        tb = golden::decode(c["b"]);
        vb = tb.view();
        b = Operand::of(vb);
      }
    }
    const BinOp bop = op == "add"   ? BinOp::Add
                      : op == "sub" ? BinOp::Sub
                      : op == "mul" ? BinOp::Mul
                                    : BinOp::Div;
    Result<Tensor> r = op == "neg" ? neg(va) : binary(bop, a, b);
    if (c.contains("error")) {
      ASSERT_FALSE(r.ok()) << id;
      EXPECT_EQ(r.error().message, c["error"]["message"].get<std::string>()) << id;
      continue;
    }
    ASSERT_TRUE(r.ok()) << id << ": " << r.error().message;
    const golden::Decoded want = golden::decode(c["expected"]);
    const Tensor& got = r.value();
    ASSERT_EQ(got.dtype(), want.dtype) << id;
    ASSERT_EQ(got.shape(), want.shape) << id;
    int bad = 0;
    switch (want.dtype) {
      case DType::Float32: bad = count_diffs(got, want, want.f32, id); break;
      case DType::Float64: bad = count_diffs(got, want, want.f64, id); break;
      case DType::Int64: bad = count_diffs(got, want, want.i64, id); break;
      case DType::Int32: bad = count_diffs(got, want, want.i32, id); break;
    }
    EXPECT_EQ(bad, 0) << id;
    ++checked;
  }
  EXPECT_GT(checked, 700);
}

// torch.result_type's three tiers, spelled out (the fixture checks them through the results).
TEST(Arith, ResultType) {
  std::vector<float> f(2);
  std::vector<double> d(1);
  std::vector<int32_t> i(2);
  const TensorView f32{DType::Float32, {2}, f.data()}, f64_0d{DType::Float64, {}, d.data()},
      i32{DType::Int32, {2}, i.data()}, f64_1d{DType::Float64, {1}, d.data()};
  const Scalar int_number{false, 0, 7}, float_number{true, 0.5, 0};
  EXPECT_EQ(result_type(Operand::of(f32), Operand::of(f64_0d)), DType::Float32);  // 0-d is lower
  EXPECT_EQ(result_type(Operand::of(f32), Operand::of(f64_1d)), DType::Float64);
  EXPECT_EQ(result_type(Operand::of(i32), Operand::of(f64_0d)), DType::Float64);  // category up
  EXPECT_EQ(result_type(Operand::of(i32), Operand::of(int_number)), DType::Int32);
  EXPECT_EQ(result_type(Operand::of(i32), Operand::of(float_number)), DType::Float32);
  EXPECT_EQ(result_type(Operand::of(f64_0d), Operand::of(float_number)), DType::Float64);
}
