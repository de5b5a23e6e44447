// libFuzzer target: the tensor operations the bindings expose besides the packed calls —
// creation (full, arange, linspace, eye, to), shape ops (reshape with -1, unsqueeze, squeeze,
// flatten, transpose, t, cat, stack), reductions and selections (sum, mean, max, min, argmax,
// sort, histogram), clamp, unary ops, sigmoid, mm / addmm — on fuzzed operands, dims and numbers,
// then the same kinds of ops through autograd with a backward pass (a scalar root, or a fuzzed
// gradient). Sizes are bounded (the fuzzer is not a memory test); whatever else the bytes say, a
// call returns a result (printed) or an error.
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "fuzz_util.hpp"
#include "losslab/arith.hpp"
#include "losslab/autograd.hpp"
#include "losslab/factory.hpp"
#include "losslab/format.hpp"
#include "losslab/index.hpp"
#include "losslab/ops.hpp"
#include "losslab/stats.hpp"

using namespace fuzz;
namespace ag = losslab::autograd;

namespace {

void show(const Result<Tensor>& r) {
  if (r) (void)torch_repr(r.value().view());
}

int64_t dim_of(Bytes& in) { return static_cast<int64_t>(in.u8() % 9) - 4; }

Scalar number(Bytes& in) {
  Scalar s;
  s.is_float = in.u8() & 1;
  s.f = in.f64();
  s.i = static_cast<int64_t>(static_cast<int8_t>(in.u8()));
  if (in.u8() % 16 == 0) s.i = in.u8() & 1 ? INT64_MIN : INT64_MAX;
  return s;
}

DType dtype_of(Bytes& in) { return kDTypes[in.u8() % 5]; }

// The element count arange(start, end, step) would make, when it is small enough to try.
bool arange_small(const Scalar& a, const Scalar& b, const Scalar& s) {
  const auto v = [](const Scalar& x) { return x.is_float ? x.f : static_cast<double>(x.i); };
  const double n = (v(b) - v(a)) / v(s);
  return !std::isfinite(n) || std::fabs(n) < 1e5;
}

void eager(Bytes& in, const Shape& common) {
  Owned a = operand(in, common), b = operand(in, common);
  const TensorView x = a.view(), y = b.view();
  switch (in.u8() % 16) {
    case 0: {
      Shape s;
      for (int k = in.u8() % 4; k > 0; --k) s.push_back(static_cast<int64_t>(in.u8() % 9) - 1);
      show(full(s, number(in), in.u8() & 1 ? std::optional<DType>(dtype_of(in)) : std::nullopt));
      break;
    }
    case 1: {
      const Scalar s0 = number(in), s1 = number(in), st = number(in);
      if (arange_small(s0, s1, st))
        show(arange(s0, s1, st, in.u8() & 1 ? std::optional<DType>(dtype_of(in)) : std::nullopt));
      break;
    }
    case 2:
      show(linspace(number(in), number(in), static_cast<int64_t>(in.u8()) - 2,
                    in.u8() & 1 ? std::optional<DType>(dtype_of(in)) : std::nullopt));
      break;
    case 3:
      show(eye(static_cast<int64_t>(in.u8() % 40) - 2, static_cast<int64_t>(in.u8() % 40) - 2,
               dtype_of(in)));
      break;
    case 4: {
      Shape s;
      for (int k = in.u8() % 4; k > 0; --k) s.push_back(static_cast<int64_t>(in.u8() % 9) - 2);
      show(reshape(x, s));
      break;
    }
    case 5:
      show(unsqueeze(x, dim_of(in)));
      show(squeeze(x, in.u8() & 1 ? std::optional<int64_t>(dim_of(in)) : std::nullopt));
      break;
    case 6:
      show(flatten(x, dim_of(in), dim_of(in)));
      show(transpose(x, dim_of(in), dim_of(in)));
      show(transpose2d(x));
      break;
    case 7: {
      std::vector<TensorView> xs = {x, y};
      if (in.u8() & 1) xs.push_back(x);
      show(cat(xs, dim_of(in)));
      show(stack(xs, dim_of(in)));
      break;
    }
    case 8: {
      const ReduceDims d{static_cast<bool>(in.u8() & 1), dim_of(in),
                         static_cast<bool>(in.u8() & 1)};
      show(sum(x, d));
      show(mean(x, d));
      show(argmax(x, d, in.u8() & 1));
      break;
    }
    case 9: {
      show(max_all(x, in.u8() & 1));
      auto m = max_dim(x, dim_of(in), in.u8() & 1, in.u8() & 1);
      if (m) show(std::move(m.value().values));
      auto s = sort(x, dim_of(in), in.u8() & 1);
      if (s) show(std::move(s.value().indices));
      break;
    }
    case 10: {
      const std::optional<Scalar> lo =
          in.u8() & 1 ? std::optional<Scalar>(number(in)) : std::nullopt;
      const std::optional<Scalar> hi =
          in.u8() & 1 ? std::optional<Scalar>(number(in)) : std::nullopt;
      show(clamp(x, lo, hi));
      break;
    }
    case 11:
      show(unary(static_cast<UnaryOp>(in.u8() % (static_cast<int>(UnaryOp::Relu) + 1)), x));
      break;
    case 12:
      show(sigmoid(x));
      show(neg(x));
      show(to_dtype(x, dtype_of(in)));
      break;
    case 13: {
      show(mm(x, y));
      Owned c = operand(in, common);
      show(addmm(c.view(), x, y));
      break;
    }
    case 14: {
      auto h = histogram(x, static_cast<int>(in.u8() % 70) - 3);
      (void)h;
      show(add_same(x, y));
      break;
    }
    default: {
      const auto op = static_cast<BinOp>(in.u8() % 5);
      show(binary(op, Operand::of(x), in.u8() & 1 ? Operand::of(y) : Operand::of(number(in))));
      show(compare(static_cast<CmpOp>(in.u8() % 6), Operand::of(x), Operand::of(y)));
      break;
    }
  }
}

// A chain of up to four differentiable ops from a leaf, then backward.
void with_autograd(Bytes& in, const Shape& common) {
  Owned a = operand(in, common), b = operand(in, common);
  auto xa = to_dtype(a.view(), a.dtype), wa = to_dtype(b.view(), b.dtype);  // owned copies
  if (!xa || !wa) return;
  auto x = ag::make_var(xa.take(), true);  // integer leaves: torch's "only floating point" error
  auto w = ag::make_var(wa.take(), in.u8() & 1);
  if (!x || !w) return;
  ag::VarPtr v = x.value();
  for (int k = in.u8() % 5; k > 0 && v; --k) {
    Result<ag::VarPtr> r = ag::VarPtr{};
    switch (in.u8() % 12) {
      case 0:
        r = ag::unary(static_cast<UnaryOp>(in.u8() % (static_cast<int>(UnaryOp::Relu) + 1)), v);
        break;
      case 1: r = ag::sigmoid(v); break;
      case 2:
        r = ag::sum(v, ReduceDims{static_cast<bool>(in.u8() & 1), dim_of(in),
                                  static_cast<bool>(in.u8() & 1)});
        break;
      case 3:
        r = ag::mean(v, ReduceDims{static_cast<bool>(in.u8() & 1), dim_of(in),
                                   static_cast<bool>(in.u8() & 1)});
        break;
      case 4:
        r = ag::binary(static_cast<BinOp>(in.u8() % 5), ag::Arg{v, {}}, ag::Arg{w.value(), {}});
        break;
      case 5:
        r = ag::binary(static_cast<BinOp>(in.u8() % 5), ag::Arg{v, {}},
                       ag::Arg{nullptr, number(in)});
        break;
      case 6: r = ag::mm(v, w.value()); break;
      case 7: r = ag::transpose(v, dim_of(in), dim_of(in)); break;
      case 8: r = ag::cat({v, w.value()}, dim_of(in), in.u8() & 1); break;
      case 9: r = ag::max_all(v, in.u8() & 1); break;
      case 10: r = ag::clamp(v, number(in), std::nullopt, 1); break;
      default: r = ag::to_dtype(v, dtype_of(in)); break;
    }
    if (!r) return;
    v = r.take();
  }
  if (!v) return;
  Owned g = operand(in, common);
  const TensorView gv = g.view();
  (void)ag::backward(v, in.u8() & 1 ? &gv : nullptr, in.u8() & 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  Shape common;
  for (int d = in.u8() % 4; d > 0; --d) common.push_back(in.u8() % 7);
  if (in.u8() % 3) {
    eager(in, common);
  } else {
    with_autograd(in, common);
  }
  return 0;
}
