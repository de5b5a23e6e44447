// Tensor arithmetic (arith.hpp): torch's result_type, then one loop over the broadcast shape with
// the operands read through strides (0 along broadcast dims, so nothing is expanded), the
// innermost dim as a plain loop the compiler vectorizes.
#include "losslab/arith.hpp"

#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "losslab/broadcast.hpp"
#include "losslab/ops.hpp"

namespace losslab {
namespace {

DType promote(DType a, DType b) {
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

// ATen's combine_categories(higher, lower) without bool and complex: a floating `higher` wins;
// a floating `lower` promotes with it; else `higher` if set.
State combine(State higher, State lower) {
  if (higher.set && dtype_is_floating(higher.d)) return higher;
  if (lower.set && dtype_is_floating(lower.d)) {
    if (higher.set) higher.add(lower.d);
    return higher.set ? higher : lower;
  }
  return higher.set ? higher : lower;
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

template <class T>
T apply(BinOp op, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinOp::Add: return a + b;
      case BinOp::Sub: return a - b;
      case BinOp::Mul: return a * b;
      default: return a / b;
    }
  } else {  // wrapping integer arithmetic (computed unsigned: no UB)
    using U = std::make_unsigned_t<T>;
    const U x = static_cast<U>(a), y = static_cast<U>(b);
    switch (op) {
      case BinOp::Add: return static_cast<T>(static_cast<U>(x + y));
      case BinOp::Sub: return static_cast<T>(static_cast<U>(x - y));
      default: return static_cast<T>(static_cast<U>(x * y));
    }
  }
}

// An operand in the compute dtype: a tensor (converted when its dtype differs) with its strides
// over the output shape, or a number.
struct In {
  Tensor own;  // the converted copy, when needed
  const void* data = nullptr;
  std::vector<int64_t> stride;  // per output dim; empty for a number
  bool number = false;
  Scalar s;
};

Result<In> prepare(const Operand& o, DType dt, const Shape& out) {
  In in;
  if (!o.tensor) {
    in.number = true;
    in.s = o.scalar;
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
  // Row-major strides of v aligned to the output's trailing dims; 0 where v broadcasts.
  const std::size_t nd = out.size(), vd = v.shape.size();
  in.stride.assign(nd, 0);
  int64_t st = 1;
  for (std::size_t k = 0; k < vd; ++k) {
    const std::size_t i = vd - 1 - k;
    in.stride[nd - 1 - k] = v.shape[i] == 1 ? 0 : st;
    st *= v.shape[i];
  }
  return in;
}

template <class T>
void run(BinOp op, const In& a, const In& b, const Shape& out, T* o) {
  const int64_t n = shape_numel(out);
  if (n == 0) return;
  const int64_t nd = static_cast<int64_t>(out.size());
  const int64_t inner = nd ? out.back() : 1;
  const T sa = a.number ? scalar_as<T>(a.s) : T(0), sb = b.number ? scalar_as<T>(b.s) : T(0);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  const int64_t ia = a.number || !nd ? 0 : a.stride.back(),
                ib = b.number || !nd ? 0 : b.stride.back();
  std::vector<int64_t> idx(static_cast<std::size_t>(nd), 0);
  int64_t oa = 0, ob = 0;  // the row's offsets into a and b
  for (int64_t row = 0; row < n / inner; ++row) {
    T* q = o + row * inner;
    const T* ra = a.number ? nullptr : pa + oa;
    const T* rb = b.number ? nullptr : pb + ob;
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
    // next row: increment the outer index like an odometer
    for (int64_t d = nd - 2; d >= 0; --d) {
      const auto du = static_cast<std::size_t>(d);
      if (!a.number) oa += a.stride[du];
      if (!b.number) ob += b.stride[du];
      if (++idx[du] < out[du]) break;
      if (!a.number) oa -= a.stride[du] * out[du];
      if (!b.number) ob -= b.stride[du] * out[du];
      idx[du] = 0;
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
  DType dt = result_type(a, b);
  if (op == BinOp::Div && !dtype_is_floating(dt)) dt = DType::Float32;  // true division
  Shape out;
  if (a.tensor && b.tensor) {
    auto s = broadcast_shapes(a.tensor->shape, b.tensor->shape);
    if (!s) return s.error();
    out = s.take();
  } else {
    out = (a.tensor ? a.tensor : b.tensor)->shape;
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
  }
  return r;
}

Result<Tensor> neg(const TensorView& x) {
  const Scalar zero{false, 0, 0};
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

}  // namespace losslab
