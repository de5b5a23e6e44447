// Tensor arithmetic (arith.hpp): torch's result_type, then one loop over the broadcast shape with
// the operands read through strides (broadcast.hpp's broadcast_strides and StridedWalk: 0 along
// broadcast dims, so nothing is expanded), the innermost dim as a plain loop the compiler
// vectorizes.
#include "losslab/arith.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "losses/elem_common.hpp"
#include "losslab/broadcast.hpp"
#include "losslab/detail/softmax.hpp"
#include "losslab/ops.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab {
namespace {

DType promote(DType a, DType b) {
  if (a == DType::Bool) return b;  // bool is below every other dtype
  if (b == DType::Bool) return a;
  const bool fa = dtype_is_floating(a), fb = dtype_is_floating(b);
  if (fa && fb)
    return (a == DType::Float64 || b == DType::Float64) ? DType::Float64 : DType::Float32;
  if (fa) return a;
  if (fb) return b;
  return (a == DType::Int64 || b == DType::Int64) ? DType::Int64 : DType::Int32;
}

// One of result_type's three states (ATen's ResultTypeState): unset or a dtype.
struct State {
  bool set = false;
  DType d = DType::Float32;
  void add(DType x) {
    d = set ? promote(d, x) : x;
    set = true;
  }
};

// The categories result_type ranks (bool < integral < floating; no complex).
int category(DType d) { return d == DType::Bool ? 0 : dtype_is_floating(d) ? 2 : 1; }

// ATen's combine_categories(higher, lower): `higher` wins unless `lower` is of a higher
// category, which then promotes with it (an int number raises a bool tensor to int64, a float
// one an int tensor to float32).
State combine(State higher, State lower) {
  if (!higher.set) return lower;
  if (lower.set && category(lower.d) > category(higher.d)) higher.add(lower.d);
  return higher;
}

void update(const Operand& o, State& dim, State& zero, State& wrapped) {
  if (!o.tensor)  // a wrapped number: floats as the default dtype, ints as Long
    wrapped.add(o.scalar.is_float ? DType::Float32 : DType::Int64);
  else if (o.tensor->dim() == 0)
    zero.add(o.tensor->dtype);
  else
    dim.add(o.tensor->dtype);
}

template <class T>
T scalar_as(const Scalar& s) {
  if (s.is_float) return static_cast<T>(s.f);
  if constexpr (sizeof(T) == 4 && !std::is_floating_point_v<T>)
    return static_cast<T>(static_cast<uint32_t>(static_cast<uint64_t>(s.i)));  // wraps, as torch
  return static_cast<T>(s.i);
}

// torch's powi: a negative exponent gives 0 but for a = 1 and a = -1; else by squaring, wrapping.
template <class I>
I powi(I a, I b) {
  if (b < 0) {
    if (a == 1) return 1;
    if (a == -1) return b % 2 != 0 ? -1 : 1;
    return 0;
  }
  using U = std::make_unsigned_t<I>;
  U r = 1, x = static_cast<U>(a);
  for (U e = static_cast<U>(b); e; e >>= 1) {
    if (e & 1) r = static_cast<U>(r * x);
    x = static_cast<U>(x * x);
  }
  return static_cast<I>(r);
}

template <class T>
T apply(BinOp op, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinOp::Add: return a + b;
      case BinOp::Sub: return a - b;
      case BinOp::Mul: return a * b;
      case BinOp::Pow:
        return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
      default: return a / b;
    }
  } else {  // wrapping integer arithmetic (computed unsigned: no UB)
    using U = std::make_unsigned_t<T>;
    const U x = static_cast<U>(a), y = static_cast<U>(b);
    switch (op) {
      case BinOp::Add: return static_cast<T>(static_cast<U>(x + y));
      case BinOp::Sub: return static_cast<T>(static_cast<U>(x - y));
      case BinOp::Pow: return powi(a, b);
      default: return static_cast<T>(static_cast<U>(x * y));
    }
  }
}

// torch's pow_tensor_scalar special cases for a float dtype (sqrt, rsqrt, reciprocal, x * x,
// x * x * x, 1 / (x * x)); false when e is none of them.
template <class T>
bool pow_special(const T* x, T* o, int64_t n, double e) {
  if (e == 2) {
    for (int64_t i = 0; i < n; ++i) o[i] = x[i] * x[i];
  } else if (e == 3) {
    for (int64_t i = 0; i < n; ++i) o[i] = x[i] * x[i] * x[i];
  } else if (e == -2) {
    for (int64_t i = 0; i < n; ++i) o[i] = T(1) / (x[i] * x[i]);
  } else if (e == 0.5) {
    for (int64_t i = 0; i < n; ++i) o[i] = std::sqrt(x[i]);
  } else if (e == -0.5) {
    for (int64_t i = 0; i < n; ++i) o[i] = T(1) / std::sqrt(x[i]);
  } else if (e == -1) {
    for (int64_t i = 0; i < n; ++i) o[i] = T(1) / x[i];
  } else {
    return false;
  }
  return true;
}

// An operand in the compute dtype: a tensor (converted when its dtype differs) with its strides
// over the output shape, or a number.
struct In {
  Tensor own;  // the converted copy, when needed
  const void* data = nullptr;
  std::vector<int64_t> stride;  // per output dim; empty for a number
  bool number = false;
  bool same = false;  // a tensor of the output's shape: read flat
  Scalar s;
};

Result<In> prepare(const Operand& o, DType dt, const Shape& out) {
  In in;
  if (!o.tensor) {
    in.number = true;
    in.s = o.scalar;
    in.stride.assign(out.size(), 0);  // a number is the same element everywhere
    return in;
  }
  const TensorView& v = *o.tensor;
  in.data = v.data;
  if (v.dtype != dt) {
    auto c = to_dtype(v, dt);
    if (!c) return c.error();
    in.own = c.take();
    in.data = in.own.data();
  }
  in.stride = broadcast_strides(v.shape, out);
  in.same = v.shape == out;
  return in;
}

template <BinOp OP, class T>
void flat(const In& a, const In& b, int64_t n, T* o) {
  const T sa = a.number ? scalar_as<T>(a.s) : T(0), sb = b.number ? scalar_as<T>(b.s) : T(0);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  if (a.number) {
    for (int64_t k = 0; k < n; ++k) o[k] = apply(OP, sa, pb[k]);
  } else if (b.number) {
    for (int64_t k = 0; k < n; ++k) o[k] = apply(OP, pa[k], sb);
  } else {
    for (int64_t k = 0; k < n; ++k) o[k] = apply(OP, pa[k], pb[k]);
  }
}

template <class T>
void run(BinOp op, const In& a, const In& b, const Shape& out, T* o) {
  const int64_t n = shape_numel(out);
  if (n == 0) return;
  if ((a.number || a.same) && (b.number || b.same)) {  // no broadcasting: one flat loop
    switch (op) {                                      // the op fixed per loop, so each vectorizes
      case BinOp::Add: return flat<BinOp::Add>(a, b, n, o);
      case BinOp::Sub: return flat<BinOp::Sub>(a, b, n, o);
      case BinOp::Mul: return flat<BinOp::Mul>(a, b, n, o);
      case BinOp::Div: return flat<BinOp::Div>(a, b, n, o);
      case BinOp::Pow: return flat<BinOp::Pow>(a, b, n, o);
    }
  }
  const int64_t nd = static_cast<int64_t>(out.size());
  const int64_t inner = nd ? out.back() : 1;
  const T sa = a.number ? scalar_as<T>(a.s) : T(0), sb = b.number ? scalar_as<T>(b.s) : T(0);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  const int64_t ia = nd ? a.stride.back() : 0, ib = nd ? b.stride.back() : 0;
  // the rows: a walk over the dims before the last, with each operand's offset
  const Shape rows(out.begin(), out.end() - (nd ? 1 : 0));
  const auto outer = [&](const In& in) {
    return std::vector<int64_t>(in.stride.begin(), in.stride.begin() + (nd ? nd - 1 : 0));
  };
  StridedWalk wa(rows, outer(a)), wb(rows, outer(b));
  for (int64_t row = 0; row < n / inner; ++row, wa.next(), wb.next()) {
    T* q = o + row * inner;
    const T* ra = a.number ? nullptr : pa + wa.offset();
    const T* rb = b.number ? nullptr : pb + wb.offset();
    // The four layouts of the row, each a plain loop (vectorized; same operations, same bits).
    if (a.number) {
      if (ib == 1) {
        for (int64_t k = 0; k < inner; ++k) q[k] = apply(op, sa, rb[k]);
      } else {
        for (int64_t k = 0; k < inner; ++k) q[k] = apply(op, sa, rb[k * ib]);
      }
    } else if (b.number) {
      if (ia == 1) {
        for (int64_t k = 0; k < inner; ++k) q[k] = apply(op, ra[k], sb);
      } else {
        for (int64_t k = 0; k < inner; ++k) q[k] = apply(op, ra[k * ia], sb);
      }
    } else if (ia == 1 && ib == 1) {
      for (int64_t k = 0; k < inner; ++k) q[k] = apply(op, ra[k], rb[k]);
    } else {
      for (int64_t k = 0; k < inner; ++k) q[k] = apply(op, ra[k * ia], rb[k * ib]);
    }
  }
}

}  // namespace

DType result_type(const Operand& a, const Operand& b) {
  State dim, zero, wrapped;
  update(a, dim, zero, wrapped);
  update(b, dim, zero, wrapped);
  const State r = combine(dim, combine(zero, wrapped));
  return r.set ? r.d : DType::Float32;
}

Result<Tensor> binary(BinOp op, const Operand& a, const Operand& b) {
  if (!a.tensor && !b.tensor) return runtime_error("binary: at least one operand must be a Tensor");
  const bool bool_a = a.tensor && a.tensor->dtype == DType::Bool,
             bool_b = b.tensor && b.tensor->dtype == DType::Bool;
  if (op == BinOp::Sub && (bool_a || bool_b)) {
    if (bool_a && bool_b) {
      return runtime_error(
          "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
          "`logical_xor()` operator instead.");
    }
    return runtime_error(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.");
  }
  DType dt = result_type(a, b);
  if (dt == DType::Bool && op != BinOp::Div) {  // bool + bool is or, bool * bool and: in int64
    auto ai = to_dtype(*a.tensor, DType::Int64);
    if (!ai) return ai.error();
    auto bi = to_dtype(*b.tensor, DType::Int64);
    if (!bi) return bi.error();
    const TensorView av = ai.value().view(), bv = bi.value().view();
    auto r = binary(op, Operand::of(av), Operand::of(bv));
    if (!r) return r;
    return to_dtype(r.value().view(), DType::Bool);
  }
  if (op == BinOp::Div && !dtype_is_floating(dt)) dt = DType::Float32;  // true division
  Shape out;
  if (a.tensor && b.tensor) {
    auto s = broadcast_shapes(a.tensor->shape, b.tensor->shape);
    if (!s) return s.error();
    out = s.take();
  } else {
    out = (a.tensor ? a.tensor : b.tensor)->shape;
  }
  if (op == BinOp::Pow && a.tensor && !b.tensor) {  // torch.pow(tensor, number)
    const Scalar& e = b.scalar;
    if (!dtype_is_floating(dt) && !e.is_float && e.i < 0) {
      return runtime_error("Integers to negative integer powers are not allowed.");
    }
    const double ev = e.is_float ? e.f : static_cast<double>(e.i);
    if (ev == 0 || ev == 1) {
      auto r = ev == 1 ? to_dtype(*a.tensor, dt) : alloc_tensor(dt, out);
      if (!r || ev == 1) return r;
      auto fill = [&](auto* o) { std::fill(o, o + r.value().numel(), 1); };
      switch (dt) {
        case DType::Float32: fill(r.value().as<float>()); break;
        case DType::Float64: fill(r.value().as<double>()); break;
        case DType::Int64: fill(r.value().as<int64_t>()); break;
        case DType::Int32: fill(r.value().as<int32_t>()); break;
        case DType::Bool: fill(r.value().as<bool>()); break;
      }
      return r;
    }
    if (dtype_is_floating(dt)) {
      auto ia = prepare(a, dt, out);
      if (!ia) return ia.error();
      auto r = alloc_tensor(dt, out);
      if (!r) return r;
      const int64_t n = r.value().numel();
      const bool done = dt == DType::Float32
                            ? pow_special(static_cast<const float*>(ia.value().data),
                                          r.value().as<float>(), n, ev)
                            : pow_special(static_cast<const double*>(ia.value().data),
                                          r.value().as<double>(), n, ev);
      if (done) return r;
    }
  }
  auto ia = prepare(a, dt, out);
  if (!ia) return ia.error();
  auto ib = prepare(b, dt, out);
  if (!ib) return ib.error();
  auto r = alloc_tensor(dt, out);
  if (!r) return r;
  switch (dt) {
    case DType::Float32: run(op, ia.value(), ib.value(), out, r.value().as<float>()); break;
    case DType::Float64: run(op, ia.value(), ib.value(), out, r.value().as<double>()); break;
    case DType::Int64: run(op, ia.value(), ib.value(), out, r.value().as<int64_t>()); break;
    case DType::Int32: run(op, ia.value(), ib.value(), out, r.value().as<int32_t>()); break;
    case DType::Bool: break;  // computed in int64 (binary's start)
  }
  return r;
}

namespace {
template <class T>
bool cmp(CmpOp op, T a, T b) {
  switch (op) {
    case CmpOp::Eq: return a == b;
    case CmpOp::Ne: return a != b;
    case CmpOp::Lt: return a < b;
    case CmpOp::Le: return a <= b;
    case CmpOp::Gt: return a > b;
    case CmpOp::Ge: return a >= b;
  }
  return false;
}

template <class T>
Status compare_t(CmpOp op, const Operand& a, const Operand& b, DType dt, Tensor& out) {
  const Shape& shape = out.shape();
  const int64_t n = out.numel();
  Dense da, db;
  const auto side = [&](const Operand& o, Dense& d) -> Status {
    if (!o.tensor) return Ok{};
    auto r = dense(*o.tensor, shape, dt);
    if (!r) return r.error();
    d = r.take();
    return Ok{};
  };
  Status st = side(a, da);
  if (!st) return st;
  st = side(b, db);
  if (!st) return st;
  const T sa = a.tensor ? T(0) : scalar_as<T>(a.scalar),
          sb = b.tensor ? T(0) : scalar_as<T>(b.scalar);
  bool* o = out.as<bool>();
  for (int64_t i = 0; i < n; ++i)
    o[i] = cmp(op, a.tensor ? da.as<T>()[i] : sa, b.tensor ? db.as<T>()[i] : sb);
  return Ok{};
}
}  // namespace

Result<Tensor> compare(CmpOp op, const Operand& a, const Operand& b) {
  if (!a.tensor && !b.tensor)
    return runtime_error("compare: at least one operand must be a Tensor");
  const DType dt = result_type(a, b);
  Shape out;
  if (a.tensor && b.tensor) {
    auto s = broadcast_shapes(a.tensor->shape, b.tensor->shape);
    if (!s) return s.error();
    out = s.take();
  } else {
    out = (a.tensor ? a.tensor : b.tensor)->shape;
  }
  auto r = alloc_tensor(DType::Bool, out);
  if (!r) return r;
  Status st = Ok{};
  switch (dt) {
    case DType::Float32: st = compare_t<float>(op, a, b, dt, r.value()); break;
    case DType::Float64: st = compare_t<double>(op, a, b, dt, r.value()); break;
    case DType::Int64: st = compare_t<int64_t>(op, a, b, dt, r.value()); break;
    case DType::Int32: st = compare_t<int32_t>(op, a, b, dt, r.value()); break;
    case DType::Bool: st = compare_t<bool>(op, a, b, dt, r.value()); break;
  }
  if (!st) return st.error();
  return r;
}

Result<Tensor> neg(const TensorView& x) {
  const Scalar zero{false, 0, 0};
  if (x.dtype == DType::Bool) {
    return runtime_error(
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.");
  }
  if (dtype_is_floating(x.dtype)) {  // -x (not 0 - x: -(+0) is -0)
    auto r = alloc_tensor(x.dtype, x.shape);
    if (!r) return r;
    const int64_t n = x.numel();
    if (x.dtype == DType::Float32) {
      for (int64_t i = 0; i < n; ++i) r.value().as<float>()[i] = -x.as<float>()[i];
    } else {
      for (int64_t i = 0; i < n; ++i) r.value().as<double>()[i] = -x.as<double>()[i];
    }
    return r;
  }
  return binary(BinOp::Sub, Operand::of(zero), Operand::of(x));  // 0 - x wraps as -x does
}

namespace {

namespace tx = detail::tmath;

// f in double: float32 rounded once from it (correctly rounded but for double's own error),
// float64 as libm gives it.
template <class T, class F>
void map_wide(const T* x, T* o, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(f(static_cast<double>(x[i])));
}

template <class T>
void unary_t(UnaryOp op, const T* x, T* o, int64_t n) {
  // One generic kernel for the scalar lanes and the batches (elem::map): same bits either way.
  switch (op) {
    case UnaryOp::Log:  // float32: fdlibm's logf (pmath.hpp's log_f32_fd); float64: pmath's
      elem::map(
          n, true, o,
          [](const auto& k, auto v) {
            if constexpr (std::is_same_v<typename detail::pm::LaneT<decltype(v)>::type, float>)
              return detail::pm::log_f32_fd(v, k);
            else
              return detail::pm::log(v, k);
          },
          x);
      break;
    case UnaryOp::Exp:
      elem::map(
          n, true, o, [](const auto& k, auto v) { return tx::torch_exp(v, k.exp_k); }, x);
      break;
    case UnaryOp::Sqrt:
      for (int64_t i = 0; i < n; ++i) o[i] = std::sqrt(x[i]);
      break;
    case UnaryOp::Abs:
      for (int64_t i = 0; i < n; ++i) o[i] = std::fabs(x[i]);
      break;
    case UnaryOp::Square:
      for (int64_t i = 0; i < n; ++i) o[i] = x[i] * x[i];
      break;
    case UnaryOp::Log1p: map_wide(x, o, n, [](double v) { return std::log1p(v); }); break;
    case UnaryOp::Expm1: map_wide(x, o, n, [](double v) { return std::expm1(v); }); break;
    case UnaryOp::Tanh: map_wide(x, o, n, [](double v) { return std::tanh(v); }); break;
    case UnaryOp::Relu: {
      // x < 0 ? +0 : x as a mask on the bits: written as a select, wasm's LLVM makes it f32.max,
      // which turns -0 into +0 (torch keeps -0)
      using B = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
      for (int64_t i = 0; i < n; ++i) {
        B b;
        std::memcpy(&b, &x[i], sizeof b);
        b &= x[i] < T(0) ? B(0) : ~B(0);
        std::memcpy(&o[i], &b, sizeof b);
      }
      break;
    }
  }
}

template <class I>
void unary_int(UnaryOp op, const I* x, I* o, int64_t n) {
  using U = std::make_unsigned_t<I>;
  for (int64_t i = 0; i < n; ++i) {
    const U u = static_cast<U>(x[i]);
    if (op == UnaryOp::Relu)
      o[i] = x[i] < 0 ? I(0) : x[i];
    else
      o[i] = op == UnaryOp::Abs ? (x[i] < 0 ? static_cast<I>(U(0) - u) : x[i])
                                : static_cast<I>(static_cast<U>(u * u));
  }
}

}  // namespace

Result<Tensor> unary(UnaryOp op, const TensorView& x) {
  if (x.dtype == DType::Bool &&
      (op == UnaryOp::Abs || op == UnaryOp::Square || op == UnaryOp::Relu)) {
    auto i = to_dtype(x, DType::Int64);  // x * x of bools is and: still bool, as abs and relu
    if (!i) return i.error();
    return to_dtype(i.value().view(), DType::Bool);
  }
  const bool keeps_int = op == UnaryOp::Abs || op == UnaryOp::Square || op == UnaryOp::Relu;
  if (!dtype_is_floating(x.dtype) && !keeps_int) {  // an integer tensor computes in float32
    auto f = to_dtype(x, DType::Float32);
    if (!f) return f.error();
    return unary(op, f.value().view());
  }
  auto r = alloc_tensor(x.dtype, x.shape);
  if (!r) return r;
  const int64_t n = x.numel();
  switch (x.dtype) {
    case DType::Float32: unary_t(op, x.as<float>(), r.value().as<float>(), n); break;
    case DType::Float64: unary_t(op, x.as<double>(), r.value().as<double>(), n); break;
    case DType::Int64: unary_int(op, x.as<int64_t>(), r.value().as<int64_t>(), n); break;
    case DType::Int32: unary_int(op, x.as<int32_t>(), r.value().as<int32_t>(), n); break;
    case DType::Bool: break;  // handled above
  }
  return r;
}

namespace {
template <class T>
void clamp_t(const T* x, T* o, int64_t n, const std::optional<Scalar>& lo,
             const std::optional<Scalar>& hi) {
  const T l = lo ? scalar_as<T>(*lo) : T(0), h = hi ? scalar_as<T>(*hi) : T(0);
  for (int64_t i = 0; i < n; ++i) {
    T v = x[i];
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) {
        o[i] = v;
        continue;
      }
    }
    if (lo && v < l) v = l;
    if (hi && h < v) v = h;
    o[i] = v;
  }
}
}  // namespace

Result<Tensor> clamp(const TensorView& x, const std::optional<Scalar>& lo,
                     const std::optional<Scalar>& hi) {
  if (!lo && !hi)
    return runtime_error("torch.clamp: At least one of 'min' or 'max' must not be None");
  if (x.dtype == DType::Bool) return runtime_error("\"clamp_cpu\" not implemented for 'Bool'");
  // result_type(x, the bounds): the bounds are wrapped numbers, a float one raising an int x
  const Scalar kind{(lo && lo->is_float) || (hi && hi->is_float), 0, 0};
  const DType dt = result_type(Operand::of(x), Operand::of(kind));
  Tensor conv;
  TensorView v = x;
  if (x.dtype != dt) {
    auto c = to_dtype(x, dt);
    if (!c) return c.error();
    conv = c.take();
    v = conv.view();
  }
  auto r = alloc_tensor(dt, x.shape);
  if (!r) return r;
  const int64_t n = x.numel();
  switch (dt) {
    case DType::Float32: clamp_t(v.as<float>(), r.value().as<float>(), n, lo, hi); break;
    case DType::Float64: clamp_t(v.as<double>(), r.value().as<double>(), n, lo, hi); break;
    case DType::Int64: clamp_t(v.as<int64_t>(), r.value().as<int64_t>(), n, lo, hi); break;
    case DType::Int32: clamp_t(v.as<int32_t>(), r.value().as<int32_t>(), n, lo, hi); break;
    case DType::Bool: break;  // refused above
  }
  return r;
}

namespace {

// (outer, D, inner) of the reduced dim, and the output shape.
struct Geom {
  int64_t outer = 1, D = 1, inner = 1;
  Shape out;
};

Result<Geom> reduce_geom(const TensorView& x, const ReduceDims& d) {
  Geom g;
  if (d.all) {
    g.D = x.numel();
    if (d.keepdim) g.out.assign(x.shape.size(), 1);
    return g;
  }
  auto w = detail::wrap_dim(d.dim, x.dim());
  if (!w) return w.error();
  const int64_t k = w.value();
  for (int64_t i = 0; i < x.dim(); ++i) {
    const int64_t s = x.shape[static_cast<std::size_t>(i)];
    if (i < k) g.outer *= s;
    if (i == k) g.D = s;
    if (i > k) g.inner *= s;
    if (i != k || d.keepdim) g.out.push_back(i == k ? 1 : s);
  }
  return g;
}

// The sums (an empty dim sums to 0), then for a mean each divided by the count in the dtype.
template <class T>
void sum_float(const T* x, const Geom& g, bool is_mean, T* o) {
  const int64_t m = g.outer * g.inner;
  if (g.D == 0)
    std::fill(o, o + m, T(0));
  else if (m == 1)
    *o = torch_sum(x, g.D);
  else
    torch_sum_dim(x, g.outer, g.D, g.inner, o);
  if (is_mean)
    for (int64_t i = 0; i < m; ++i) o[i] = o[i] / static_cast<T>(g.D);
}

template <class I>
void sum_int(const I* x, const Geom& g, int64_t* o) {
  for (int64_t a = 0; a < g.outer; ++a)
    for (int64_t c = 0; c < g.inner; ++c) {
      uint64_t s = 0;  // wrapping, in any order
      for (int64_t k = 0; k < g.D; ++k)
        s += static_cast<uint64_t>(static_cast<int64_t>(x[(a * g.D + k) * g.inner + c]));
      o[a * g.inner + c] = static_cast<int64_t>(s);
    }
}

Result<Tensor> reduce(const TensorView& x, const ReduceDims& d, bool is_mean) {
  if (is_mean && !dtype_is_floating(x.dtype)) return runtime_error(elem::int_mean_message(x.dtype));
  auto g = reduce_geom(x, d);
  if (!g) return g.error();
  const Geom& G = g.value();
  const DType out_dt = dtype_is_floating(x.dtype) ? x.dtype : DType::Int64;
  auto r = alloc_tensor(out_dt, G.out);
  if (!r) return r;
  switch (x.dtype) {
    case DType::Float32: sum_float(x.as<float>(), G, is_mean, r.value().as<float>()); break;
    case DType::Float64: sum_float(x.as<double>(), G, is_mean, r.value().as<double>()); break;
    case DType::Int64: sum_int(x.as<int64_t>(), G, r.value().as<int64_t>()); break;
    case DType::Int32: sum_int(x.as<int32_t>(), G, r.value().as<int64_t>()); break;
    case DType::Bool: sum_int(x.as<bool>(), G, r.value().as<int64_t>()); break;
  }
  return r;
}

// v beats cur for a max (min): NaN first, then strictly greater (smaller); ties keep cur.
template <class T>
bool beats(T v, T cur, bool is_min) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(cur)) return false;
    if (std::isnan(v)) return true;
  }
  return is_min ? v < cur : v > cur;
}

template <class T>
void extreme(const T* x, const Geom& g, bool is_min, T* val, int64_t* idx) {
  for (int64_t a = 0; a < g.outer; ++a)
    for (int64_t c = 0; c < g.inner; ++c) {
      const T* p = x + a * g.D * g.inner + c;
      T best = p[0];
      int64_t at = 0;
      for (int64_t k = 1; k < g.D; ++k) {
        if (beats(p[k * g.inner], best, is_min)) best = p[k * g.inner], at = k;
      }
      if (val) val[a * g.inner + c] = best;
      if (idx) idx[a * g.inner + c] = at;
    }
}

const char* extreme_name(bool is_min, bool arg) {
  return arg ? (is_min ? "argmin" : "argmax") : (is_min ? "min" : "max");
}

// values (when wanted) and indices of the extremes over d, checked as torch checks them.
Result<ValuesIndices> extremes(const TensorView& x, const ReduceDims& d, bool is_min, bool arg,
                               bool want_values) {
  const std::string fn = extreme_name(is_min, arg);
  if (arg && x.dtype == DType::Bool) {
    return runtime_error("\"" + fn + "_cpu\" not implemented for 'Bool'");
  }
  if (d.all && x.numel() == 0) {
    if (arg)
      return index_error(fn + "(): Expected reduction dim to be specified for input.numel() == 0.");
    return runtime_error(
        fn +
        "(): Expected reduction dim to be specified for input.numel() == 0. Specify "
        "the reduction dim with the 'dim' argument.");
  }
  auto g = reduce_geom(x, d);
  if (!g) return g.error();
  const Geom& G = g.value();
  if (!d.all && G.D == 0) {  // (then x is empty)
    auto w = detail::wrap_dim(d.dim, x.dim());
    return index_error(fn + "(): Expected reduction dim " + std::to_string(w.value()) +
                       " to have non-zero size.");
  }
  ValuesIndices r;
  auto idx = alloc_tensor(DType::Int64, G.out);
  if (!idx) return idx.error();
  r.indices = idx.take();
  if (want_values) {
    auto v = alloc_tensor(x.dtype, G.out);
    if (!v) return v.error();
    r.values = v.take();
  }
  int64_t* ip = r.indices.as<int64_t>();
  const auto run = [&](auto zero) {
    using T = decltype(zero);
    extreme(x.as<T>(), G, is_min, want_values ? r.values.as<T>() : nullptr, ip);
  };
  switch (x.dtype) {
    case DType::Float32: run(0.f); break;
    case DType::Float64: run(0.0); break;
    case DType::Int64: run(int64_t{0}); break;
    case DType::Int32: run(int32_t{0}); break;
    case DType::Bool: run(false); break;
  }
  return r;
}

}  // namespace

Result<Tensor> max_all(const TensorView& x, bool is_min) {
  auto r = extremes(x, ReduceDims{true, 0, false}, is_min, false, true);
  if (!r) return r.error();
  return std::move(r.value().values);
}

Result<ValuesIndices> max_dim(const TensorView& x, int64_t dim, bool keepdim, bool is_min) {
  return extremes(x, ReduceDims{false, dim, keepdim}, is_min, false, true);
}

Result<Tensor> argmax(const TensorView& x, const ReduceDims& d, bool is_min) {
  auto r = extremes(x, d, is_min, true, false);
  if (!r) return r.error();
  return std::move(r.value().indices);
}

Result<Tensor> sum(const TensorView& x, const ReduceDims& d) { return reduce(x, d, false); }
Result<Tensor> mean(const TensorView& x, const ReduceDims& d) { return reduce(x, d, true); }

namespace {
// o = x OP y over n elements, either operand a number (null pointer): binary()'s flat loops.
template <BinOp OP>
void fused_flat(const float* pa, float sa, const float* pb, float sb, float* o, int64_t n) {
  if (!pa) {
    for (int64_t k = 0; k < n; ++k) o[k] = apply(OP, sa, pb[k]);
  } else if (!pb) {
    for (int64_t k = 0; k < n; ++k) o[k] = apply(OP, pa[k], sb);
  } else {
    for (int64_t k = 0; k < n; ++k) o[k] = apply(OP, pa[k], pb[k]);
  }
}
}  // namespace

Result<Tensor> fused(const std::vector<FusedIns>& code, const std::vector<const float*>& inputs,
                     const Shape& shape) {
  const int64_t m = static_cast<int64_t>(code.size());
  if (m == 0) return value_error("fused: empty program");
  for (int64_t k = 0; k < m; ++k) {  // operands precede their use; inputs exist
    const FusedIns& in = code[static_cast<std::size_t>(k)];
    const std::string at = "fused: instruction " + std::to_string(k);
    const auto earlier = [&](int r) { return r >= 0 && r < k; };
    switch (in.kind) {
      case FusedIns::Input:
        if (in.input < 0 || in.input >= static_cast<int>(inputs.size()))
          return value_error(at + ": no such input");
        break;
      case FusedIns::Binary:
        if (in.op != static_cast<int>(BinOp::Add) && in.op != static_cast<int>(BinOp::Sub) &&
            in.op != static_cast<int>(BinOp::Mul) && in.op != static_cast<int>(BinOp::Div))
          return value_error(at + ": not a fusible binary op");
        if (!(earlier(in.a) || in.a == -1) || !(earlier(in.b) || in.b == -1) ||
            (in.a == -1 && in.b == -1))
          return value_error(at + ": bad operands");
        break;
      case FusedIns::Unary:
        if (in.op < 0 || in.op > static_cast<int>(UnaryOp::Relu))
          return value_error(at + ": not a unary op");
        [[fallthrough]];
      case FusedIns::Neg:
        if (!earlier(in.a)) return value_error(at + ": bad operand");
        break;
      default: return value_error(at + ": unknown kind");
    }
  }
  auto out = alloc_tensor(DType::Float32, shape);
  if (!out) return out;
  const int64_t n = out.value().numel();
  if (n == 0) return out;
  const int64_t chunk = std::min(n, kFusedChunk);
  auto scratch = alloc_tensor(DType::Float32, {std::max<int64_t>(m - 1, 1) * chunk});
  if (!scratch) return scratch.error();
  float* const reg0 = scratch.value().as<float>();
  float* const dst = out.value().as<float>();
  std::vector<const float*> ptr(static_cast<std::size_t>(m));
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t len = std::min(chunk, n - i0);
    for (int64_t k = 0; k < m; ++k) {
      const FusedIns& in = code[static_cast<std::size_t>(k)];
      float* o = k == m - 1 ? dst + i0 : reg0 + k * chunk;
      const auto arg = [&](int r) { return r < 0 ? nullptr : ptr[static_cast<std::size_t>(r)]; };
      switch (in.kind) {
        case FusedIns::Input:
          if (k == m - 1) {
            std::memcpy(o, inputs[static_cast<std::size_t>(in.input)] + i0,
                        static_cast<std::size_t>(len) * sizeof(float));
          } else {
            o = const_cast<float*>(inputs[static_cast<std::size_t>(in.input)] + i0);
          }
          break;
        case FusedIns::Binary: {
          const float s = scalar_as<float>(in.s);
          switch (static_cast<BinOp>(in.op)) {
            case BinOp::Add: fused_flat<BinOp::Add>(arg(in.a), s, arg(in.b), s, o, len); break;
            case BinOp::Sub: fused_flat<BinOp::Sub>(arg(in.a), s, arg(in.b), s, o, len); break;
            case BinOp::Mul: fused_flat<BinOp::Mul>(arg(in.a), s, arg(in.b), s, o, len); break;
            default: fused_flat<BinOp::Div>(arg(in.a), s, arg(in.b), s, o, len); break;
          }
          break;
        }
        case FusedIns::Unary: unary_t(static_cast<UnaryOp>(in.op), arg(in.a), o, len); break;
        case FusedIns::Neg: {
          const float* x = arg(in.a);
          for (int64_t j = 0; j < len; ++j) o[j] = -x[j];
          break;
        }
      }
      ptr[static_cast<std::size_t>(k)] = o;
    }
  }
  return out;
}

}  // namespace losslab
