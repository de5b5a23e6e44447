// torch.where and torch.sort (arith.hpp) on cases whose results torch 1.13.1 printed (the values
// below are copied from it): dtypes and promotion, broadcasting, numbers, NaN, -0, ties, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "losslab/arith.hpp"
#include "losslab/factory.hpp"

using namespace losslab;

namespace {

template <class T>
Tensor make(DType dt, const Shape& shape, const std::vector<T>& v) {
  auto t = alloc_tensor(dt, shape);
  std::memcpy(t.value().data(), v.data(), v.size() * sizeof(T));
  return std::move(t.value());
}
Tensor bools(const std::vector<bool>& b, const Shape& shape) {
  std::vector<unsigned char> v(b.begin(), b.end());
  auto t = alloc_tensor(DType::Bool, shape);
  std::memcpy(t.value().data(), v.data(), v.size());
  return std::move(t.value());
}
template <class T>
std::vector<T> values(const Tensor& t) {
  return std::vector<T>(t.as<T>(), t.as<T>() + t.numel());
}
Scalar i64(int64_t v) { return Scalar{false, 0, v}; }
Scalar f64(double v) { return Scalar{true, v, 0}; }

}  // namespace

TEST(Where, DtypesAsTorchPromotes) {
  const Tensor c = bools({true, false, true}, {3});
  const Tensor ar = make<int64_t>(DType::Int64, {3}, {0, 1, 2});
  const TensorView cv = c.view(), av = ar.view();
  auto r = where(cv, Operand::of(av), Operand::of(i64(5)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().dtype(), DType::Int64);
  EXPECT_EQ(values<int64_t>(r.value()), (std::vector<int64_t>{0, 5, 2}));
  r = where(cv, Operand::of(av), Operand::of(f64(5.5)));
  EXPECT_EQ(r.value().dtype(), DType::Float32);
  EXPECT_EQ(values<float>(r.value()), (std::vector<float>{0, 5.5f, 2}));
  r = where(cv, Operand::of(i64(1)), Operand::of(i64(0)));
  EXPECT_EQ(r.value().dtype(), DType::Int64);
  r = where(cv, Operand::of(f64(1)), Operand::of(i64(0)));
  EXPECT_EQ(r.value().dtype(), DType::Float32);
  const Tensor d = make<double>(DType::Float64, {3}, {1, 2, 3});
  const Tensor f = make<float>(DType::Float32, {1}, {-0.0f});
  const TensorView dv = d.view(), fv = f.view();
  r = where(cv, Operand::of(dv), Operand::of(fv));
  EXPECT_EQ(r.value().dtype(), DType::Float64);
  const auto got = values<double>(r.value());
  EXPECT_EQ(got[0], 1.0);
  EXPECT_TRUE(std::signbit(got[1]) && got[1] == 0) << "-0 is copied";
  const Tensor b = bools({true, true, false}, {3});
  const TensorView bv = b.view();
  r = where(cv, Operand::of(bv), Operand::of(Scalar{false, 0, 0}));
  // a bool tensor with an int number: int64 (result_type); torch.where(c, b, False) is bool
  EXPECT_EQ(r.value().dtype(), DType::Int64);
}

TEST(Where, BroadcastsTheThree) {
  // torch.where(y.bool(), torch.arange(C), C) of the code panel's multilabel programs
  const Tensor c = bools({true, false, false, true, true, false}, {2, 3});
  const Tensor ar = make<int64_t>(DType::Int64, {3}, {0, 1, 2});
  const TensorView cv = c.view(), av = ar.view();
  auto r = where(cv, Operand::of(av), Operand::of(i64(3)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int64_t>(r.value()), (std::vector<int64_t>{0, 3, 3, 0, 1, 3}));
  const Tensor col = bools({true, false}, {2, 1});
  const TensorView colv = col.view();
  r = where(colv, Operand::of(av), Operand::of(i64(-1)));
  EXPECT_EQ(r.value().shape(), (Shape{2, 3}));
  EXPECT_EQ(values<int64_t>(r.value()), (std::vector<int64_t>{0, 1, 2, -1, -1, -1}));
}

TEST(Where, TorchsErrors) {
  const Tensor c = make<float>(DType::Float32, {3}, {1, 1, 1});
  const TensorView cv = c.view();
  auto r = where(cv, Operand::of(i64(1)), Operand::of(i64(0)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "where expected condition to be a boolean tensor, but got a tensor with dtype Float");
  const Tensor b = bools({true, false, true}, {3});
  const Tensor four = make<float>(DType::Float32, {4}, {1, 1, 1, 1});
  const TensorView bv = b.view(), fv = four.view();
  r = where(bv, Operand::of(fv), Operand::of(i64(0)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message,
      "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0");
}

TEST(Sort, NanLastTiesInOrderAsTorch) {
  const float nan = NAN, inf = INFINITY;
  const Tensor x = make<float>(DType::Float32, {7}, {3, nan, 1, 3, -0.0f, 0.0f, -inf});
  const TensorView xv = x.view();
  auto r = sort(xv, -1, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(values<int64_t>(r.value().indices), (std::vector<int64_t>{6, 4, 5, 2, 0, 3, 1}));
  const auto v = values<float>(r.value().values);
  EXPECT_TRUE(std::signbit(v[1]) && !std::signbit(v[2]));
  EXPECT_TRUE(std::isnan(v[6]));
  r = sort(xv, 0, true);
  EXPECT_EQ(values<int64_t>(r.value().indices), (std::vector<int64_t>{1, 0, 3, 2, 4, 5, 6}));
}

TEST(Sort, AlongADimIntsBoolsAndZeroD) {
  const Tensor x = make<int64_t>(DType::Int64, {2, 4}, {2, 1, 2, 1, 0, 0, 0, 0});
  const TensorView xv = x.view();
  auto r = sort(xv, 1, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(values<int64_t>(r.value().values), (std::vector<int64_t>{1, 1, 2, 2, 0, 0, 0, 0}));
  EXPECT_EQ(values<int64_t>(r.value().indices), (std::vector<int64_t>{1, 3, 0, 2, 0, 1, 2, 3}));
  r = sort(xv, 0, false);  // along the rows
  EXPECT_EQ(values<int64_t>(r.value().values), (std::vector<int64_t>{0, 0, 0, 0, 2, 1, 2, 1}));
  const Tensor b = bools({true, false, true}, {3});
  const TensorView bv = b.view();
  r = sort(bv, 0, false);
  EXPECT_EQ(values<int64_t>(r.value().indices), (std::vector<int64_t>{1, 0, 2}));
  const Tensor s = make<float>(DType::Float32, {}, {3});
  const TensorView sv = s.view();
  r = sort(sv, -1, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().values.shape(), Shape{});
  EXPECT_EQ(values<int64_t>(r.value().indices), (std::vector<int64_t>{0}));
  const Tensor m = make<float>(DType::Float32, {2, 2}, {1, 1, 1, 1});
  const TensorView mv = m.view();
  r = sort(mv, 2, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}
