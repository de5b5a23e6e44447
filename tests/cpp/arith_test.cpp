// Tensor arithmetic (arith.hpp) against torch 1.13.1: every case of tests/golden/arith.json
// (scripts/gen_arith_fixtures.py), dtype, shape and bits (-0 distinct, NaN as NaN), and torch's
// error messages; natively, sanitized and in both wasm builds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "golden_call.hpp"
#include "golden_util.hpp"
#include "losslab/arith.hpp"
#include "losslab/factory.hpp"

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

// ulps between two floats or two doubles of one sign (0 if bit-identical).
template <class T>
int64_t ulps(T a, T b) {
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  I x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x > y ? int64_t{x} - y : int64_t{y} - x;
}

// Elements not bit-identical; with max_ulps > 0 (log, float64 exp: pmath's against SLEEF's)
// those within max_ulps are counted in *near instead, and the worst in *worst.
template <class T>
int count_diffs(const Tensor& got, const std::vector<T>& w, const std::string& id,
                int64_t max_ulps = 0, int* near = nullptr, int64_t* worst = nullptr) {
  int bad = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    const T a = got.as<T>()[i], b = w[static_cast<std::size_t>(i)];
    if (same_bits(a, b)) continue;
    if constexpr (std::is_floating_point_v<T>) {
      if (max_ulps > 0 && std::isfinite(a) && std::isfinite(b) &&
          std::signbit(a) == std::signbit(b)) {
        const int64_t u = ulps(a, b);
        if (u <= max_ulps) {
          ++*near;
          *worst = std::max(*worst, u);
          continue;
        }
      }
    }
    if (++bad <= 3) ADD_FAILURE() << id << "[" << i << "]: " << a << " vs " << b;
  }
  return bad;
}

// The case's call (a, b: its operands' storage).
Result<Tensor> call_of(const json& c, golden::Decoded& ta, golden::Decoded& tb) {
  const std::string op = c.at("op");
  TensorView va, vb;
  // a number, or a tensor decoded into d and viewed by v
  auto operand = [](const json& o, golden::Decoded& d, TensorView& v) {
    if (o.contains("number")) return Operand::of(number_of(o));
    d = golden::decode(o);
    v = d.view();
    return Operand::of(v);
  };
  const Operand a = c.contains("a") ? operand(c["a"], ta, va) : Operand{};
  if (c.contains("args")) {  // a creation or shape op
    const json& g = c["args"];
    std::optional<DType> dt;
    if (g.contains("dtype")) dt = dtype_from_name(g["dtype"].get<std::string>());
    const auto i64 = [&](const char* k) { return g[k].get<int64_t>(); };
    if (op == "full") return full(g["shape"].get<Shape>(), number_of(g["value"]), dt);
    if (op == "zeros" || op == "ones")
      return full(g["shape"].get<Shape>(), Scalar{false, 0, op == "ones" ? 1 : 0},
                  dt.value_or(DType::Float32));
    if (op == "arange")
      return arange(number_of(g["start"]), number_of(g["end"]), number_of(g["step"]), dt);
    if (op == "eye")
      return eye(i64("n"), g.contains("m") ? i64("m") : i64("n"), dt.value_or(DType::Float32));
    if (op == "reshape") return reshape(va, g["shape"].get<Shape>());
    if (op == "unsqueeze") return unsqueeze(va, i64("dim"));
    if (op == "squeeze")
      return squeeze(va, g.contains("dim") ? std::optional<int64_t>(i64("dim")) : std::nullopt);
    if (op == "flatten") return flatten(va, i64("start_dim"), i64("end_dim"));
    if (op == "transpose") return transpose(va, i64("dim0"), i64("dim1"));
    return runtime_error("unknown op " + op);
  }
  const bool is_binary = op == "add" || op == "sub" || op == "mul" || op == "div";
  const Operand b = is_binary ? operand(c["b"], tb, vb) : Operand{};
  if (is_binary) {
    const BinOp bop = op == "add"   ? BinOp::Add
                      : op == "sub" ? BinOp::Sub
                      : op == "mul" ? BinOp::Mul
                                    : BinOp::Div;
    return binary(bop, a, b);
  }
  ReduceDims rd;
  if (c.contains("dim")) rd = ReduceDims{false, c["dim"].get<int64_t>(), c["keepdim"].get<bool>()};
  if (op == "sum") return sum(va, rd);
  if (op == "mean") return mean(va, rd);
  if (op == "neg") return neg(va);
  const UnaryOp u = op == "log"    ? UnaryOp::Log
                    : op == "exp"  ? UnaryOp::Exp
                    : op == "sqrt" ? UnaryOp::Sqrt
                    : op == "abs"  ? UnaryOp::Abs
                                   : UnaryOp::Square;
  return unary(u, va);
}

}  // namespace

TEST(Arith, TorchCasesBitForBit) {
  const json& j = fixture();
  ASSERT_TRUE(j.is_object()) << LOSSLAB_ARITH_JSON << " is missing or unreadable";
  int checked = 0, near = 0;
  int64_t worst = 0;
  for (const json& c : j.at("cases")) {
    const std::string id = c.at("id");
    const std::string op = c.at("op");
    golden::Decoded ta, tb;
    Result<Tensor> r = call_of(c, ta, tb);
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
    // log (both dtypes; float32's is fdlibm's logf, not SLEEF's) and float64 exp: within 2 ulp
    const int64_t tol = (op == "log" || op == "exp") ? 2 : 0;
    switch (want.dtype) {
      case DType::Float32:
        bad = op == "log" ? count_diffs(got, want.f32, id, tol, &near, &worst)
                          : count_diffs(got, want.f32, id);
        break;
      case DType::Float64: bad = count_diffs(got, want.f64, id, tol, &near, &worst); break;
      case DType::Int64: bad = count_diffs(got, want.i64, id); break;
      case DType::Int32: bad = count_diffs(got, want.i32, id); break;
      case DType::Bool: ADD_FAILURE() << id << ": no bool results in arith.json"; break;
    }
    EXPECT_EQ(bad, 0) << id;
    ++checked;
  }
  EXPECT_GT(checked, 850);
  std::printf(
      "[ info ] arith: %d cases; log and float64 exp: %d elements not torch's bits, worst %lld "
      "ulp\n",
      checked, near, static_cast<long long>(worst));
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
