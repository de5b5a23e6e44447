// Autograd's nodes, one per op with derivatives.yaml's formula, and the ops that record them
// (see autograd.hpp; the graph and the engine are in autograd.cpp).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "autograd_impl.hpp"
#include "losslab/broadcast.hpp"
#include "losslab/factory.hpp"
#include "losslab/ops.hpp"
#include "losslab/torch_sum.hpp"

namespace losslab::autograd {
namespace {

using detail::copy_of;
using detail::Grads;
using detail::num;
using detail::record;
using detail::Saved;

// ---- nodes ----------------------------------------------------------------------------------

// The gradient of a one-input node (or its error).
Result<Grads> one(Result<Tensor> r) {
  if (!r) return r.error();
  Grads out(1);
  out[0] = r.take();
  return out;
}

struct BinaryNode final : Node {
  BinOp op;
  bool rsub = false;  // torch.rsub(x, 1) (Python's 1 - x): RsubBackward1
  Saved a, b;         // the tensors the formula reads (mul, div)
  Scalar sa, sb;      // a number operand
  bool a_is_num = false, b_is_num = false;
  const char* name() const override {
    switch (op) {
      case BinOp::Add: return "AddBackward0";
      case BinOp::Sub: return rsub ? "RsubBackward1" : "SubBackward0";
      case BinOp::Mul: return "MulBackward0";
      case BinOp::Div: return "DivBackward0";
      case BinOp::Pow: return "PowBackward1";  // never: pow has its own node
    }
    return "?";
  }
  void release_saved() override { a.s.reset(), b.s.reset(); }
  // An operand of a formula: a saved tensor or the number.
  Result<Operand> operand(const Saved& s, bool is_num, const Scalar& sc, TensorView& hold) const {
    if (is_num) return Operand::of(sc);
    auto v = s.get(name());
    if (!v) return v.error();
    hold = v.value();
    return Operand::of(hold);
  }
  Result<Grads> apply(const TensorView& g) override {
    Grads out(2);
    const Operand G = Operand::of(g);
    if (op == BinOp::Add || op == BinOp::Sub) {
      if (needs(0)) {
        auto r = copy_of(g);
        if (!r) return r.error();
        out[0] = r.take();
      }
      if (needs(1)) {
        auto r = op == BinOp::Add ? copy_of(g) : losslab::neg(g);
        if (!r) return r.error();
        out[1] = r.take();
      }
      return out;
    }
    TensorView ha, hb;
    // each gradient reads only what was saved for it: mul's self-gradient the other operand,
    // its other-gradient self; div's self-gradient other, its other-gradient both
    if (op == BinOp::Mul) {
      for (int k = 0; k < 2; ++k) {
        if (!needs(k)) continue;
        auto O = k == 0 ? operand(b, b_is_num, sb, hb) : operand(a, a_is_num, sa, ha);
        if (!O) return O.error();
        auto r = losslab::binary(BinOp::Mul, G, O.value());  // grad * other, grad * self
        if (!r) return r.error();
        out[k] = r.take();
      }
      return out;
    }
    auto B = operand(b, b_is_num, sb, hb);
    if (!B) return B.error();
    // div: grad / other; -grad * ((self / other) / other)
    if (needs(0)) {
      auto r = losslab::binary(BinOp::Div, G, B.value());
      if (!r) return r.error();
      out[0] = r.take();
    }
    if (needs(1)) {
      auto A = operand(a, a_is_num, sa, ha);
      if (!A) return A.error();
      auto q = losslab::binary(BinOp::Div, A.value(), B.value());
      if (!q) return q.error();
      const TensorView qv = q.value().view();
      auto q2 = losslab::binary(BinOp::Div, Operand::of(qv), B.value());
      if (!q2) return q2.error();
      auto ng = losslab::neg(g);
      if (!ng) return ng.error();
      const TensorView ngv = ng.value().view(), q2v = q2.value().view();
      auto r = losslab::binary(BinOp::Mul, Operand::of(ngv), Operand::of(q2v));
      if (!r) return r.error();
      out[1] = r.take();
    }
    return out;
  }
};

struct NegNode final : Node {
  const char* name() const override { return "NegBackward0"; }
  Result<Grads> apply(const TensorView& g) override {
    auto r = losslab::neg(g);
    return one(std::move(r));
  }
};

// sgn(x) for real x: (0 < x) - (x < 0), as torch's sign kernel (NaN gives 0).
template <class T>
void sign_of(const T* x, T* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>((T(0) < x[i]) - (x[i] < T(0)));
}

struct UnaryNode final : Node {
  UnaryOp op;
  Saved saved;  // self (log, abs, square, log1p) or result (exp, sqrt, expm1, tanh, relu)
  const char* name() const override {
    switch (op) {
      case UnaryOp::Log: return "LogBackward0";
      case UnaryOp::Exp: return "ExpBackward0";
      case UnaryOp::Sqrt: return "SqrtBackward0";
      case UnaryOp::Abs: return "AbsBackward0";
      case UnaryOp::Square: return "PowBackward0";
      case UnaryOp::Log1p: return "Log1PBackward0";
      case UnaryOp::Expm1: return "Expm1Backward0";
      case UnaryOp::Tanh: return "TanhBackward0";
      case UnaryOp::Relu: return "ReluBackward0";
    }
    return "?";
  }
  void release_saved() override { saved.s.reset(); }
  Result<Grads> apply(const TensorView& g) override {
    auto sv = saved.get(name());
    if (!sv) return sv.error();
    const TensorView s = sv.value();
    const Operand G = Operand::of(g), S = Operand::of(s);
    Result<Tensor> r = runtime_error("unreachable");
    switch (op) {
      case UnaryOp::Log: r = losslab::binary(BinOp::Div, G, S); break;  // grad / self
      case UnaryOp::Exp: r = losslab::binary(BinOp::Mul, G, S); break;  // grad * result
      case UnaryOp::Sqrt: {                                             // grad / (2 * result)
        auto two = losslab::binary(BinOp::Mul, num(2), S);
        if (!two) return two.error();
        const TensorView tv = two.value().view();
        r = losslab::binary(BinOp::Div, G, Operand::of(tv));
        break;
      }
      case UnaryOp::Abs: {  // grad * self.sgn()
        auto sg = alloc_tensor(s.dtype, s.shape);
        if (!sg) return sg.error();
        if (s.dtype == DType::Float32)
          sign_of(s.as<float>(), sg.value().as<float>(), s.numel());
        else
          sign_of(s.as<double>(), sg.value().as<double>(), s.numel());
        const TensorView sgv = sg.value().view();
        r = losslab::binary(BinOp::Mul, G, Operand::of(sgv));
        break;
      }
      case UnaryOp::Square: {  // pow_backward: grad * (2 * self.pow(1))
        auto two = losslab::binary(BinOp::Mul, S, num(2));
        if (!two) return two.error();
        const TensorView tv = two.value().view();
        r = losslab::binary(BinOp::Mul, G, Operand::of(tv));
        break;
      }
      case UnaryOp::Log1p:    // grad / (self + 1)
      case UnaryOp::Expm1: {  // grad * (result + 1)
        auto p1 = losslab::binary(BinOp::Add, S, num(1));
        if (!p1) return p1.error();
        const TensorView pv = p1.value().view();
        r = losslab::binary(op == UnaryOp::Log1p ? BinOp::Div : BinOp::Mul, G, Operand::of(pv));
        break;
      }
      case UnaryOp::Tanh: {  // tanh_backward: grad * (1 - y * y)
        auto yy = losslab::binary(BinOp::Mul, S, S);
        if (!yy) return yy.error();
        const TensorView yv = yy.value().view();
        auto d = losslab::binary(BinOp::Sub, num(1), Operand::of(yv));
        if (!d) return d.error();
        const TensorView dv = d.value().view();
        r = losslab::binary(BinOp::Mul, G, Operand::of(dv));
        break;
      }
      case UnaryOp::Relu: {  // threshold_backward(grad, result, 0): result <= 0 ? 0 : grad
        auto gd = dense(g, s.shape, s.dtype);
        if (!gd) return gd.error();
        auto o = alloc_tensor(s.dtype, s.shape);
        if (!o) return o.error();
        const int64_t n = s.numel();
        if (s.dtype == DType::Float32) {
          for (int64_t i = 0; i < n; ++i)
            o.value().as<float>()[i] = s.as<float>()[i] <= 0 ? 0.f : gd.value().as<float>()[i];
        } else {
          for (int64_t i = 0; i < n; ++i)
            o.value().as<double>()[i] = s.as<double>()[i] <= 0 ? 0. : gd.value().as<double>()[i];
        }
        r = o.take();
        break;
      }
    }
    return one(std::move(r));
  }
};

// where(cond(i), value(i), +0) over n elements of a float dtype: torch's masked gradients.
template <class C, class V>
Result<Tensor> masked(DType dt, const Shape& shape, C cond, V value) {
  auto o = alloc_tensor(dt, shape);
  if (!o) return o;
  const int64_t n = o.value().numel();
  for (int64_t i = 0; i < n; ++i) {
    const double v = cond(i) ? value(i) : 0.0;
    if (dt == DType::Float32)
      o.value().as<float>()[i] = static_cast<float>(v);
    else
      o.value().as<double>()[i] = v;
  }
  return o;
}

// An element of a float tensor as a double (exact).
double at(const TensorView& v, int64_t i) {
  return v.dtype == DType::Float32 ? v.as<float>()[i] : v.as<double>()[i];
}

// clamp / clamp_min / clamp_max: the gradient where lo <= self <= hi (the bounds as the dtype),
// +0 elsewhere (NaN included).
struct ClampNode final : Node {
  Saved self;
  std::optional<Scalar> lo, hi;
  int kind = 0;  // 0 clamp, 1 clamp_min, 2 clamp_max
  const char* name() const override {
    return kind == 1 ? "ClampMinBackward0" : kind == 2 ? "ClampMaxBackward0" : "ClampBackward1";
  }
  void release_saved() override { self.s.reset(); }
  Result<Grads> apply(const TensorView& g) override {
    auto sv = self.get(name());
    if (!sv) return sv.error();
    const TensorView x = sv.value();
    auto gd = dense(g, x.shape, x.dtype);
    if (!gd) return gd.error();
    const TensorView gv{x.dtype, x.shape, gd.value().p};
    const auto bound = [&](const Scalar& b) {
      return x.dtype == DType::Float32 ? static_cast<double>(static_cast<float>(
                                             b.is_float ? b.f : static_cast<double>(b.i)))
                                       : (b.is_float ? b.f : static_cast<double>(b.i));
    };
    const double l = lo ? bound(*lo) : 0, h = hi ? bound(*hi) : 0;
    auto r = masked(
        x.dtype, x.shape,
        [&](int64_t i) {
          const double v = at(x, i);
          return (!lo || v >= l) && (!hi || v <= h);
        },
        [&](int64_t i) { return at(gv, i); });
    return one(std::move(r));
  }
};

// torch.pow's three backward nodes: tensor ** number (PowBackward0), tensor ** tensor
// (PowBackward1), number ** tensor (PowBackward2), with derivatives.yaml's formulas.
struct PowNode final : Node {
  int kind = 0;
  Saved self, exponent, result;
  Scalar num_;  // the number: the exponent (kind 0) or the base (kind 2)
  const char* name() const override {
    return kind == 0 ? "PowBackward0" : kind == 1 ? "PowBackward1" : "PowBackward2";
  }
  void release_saved() override { self.s.reset(), exponent.s.reset(), result.s.reset(); }
  static Scalar as_double(double v) { return Scalar{true, v, 0}; }
  Result<Grads> apply(const TensorView& g) override {
    const Operand G = Operand::of(g);
    Grads out(2);  // per input: (self, exponent); a number's is unused
    const double e0 = num_.is_float ? num_.f : static_cast<double>(num_.i);
    if (kind == 0) {  // exp == 0 ? zeros : grad * (exp * self.pow(exp - 1))
      auto sv = self.get(name());
      if (!sv) return sv.error();
      const Operand S = Operand::of(sv.value());
      if (e0 == 0) {
        auto z = losslab::binary(BinOp::Mul, S, num(0));  // the shape and dtype; then zeroed
        if (!z) return z.error();
        std::memset(z.value().data(), 0, z.value().nbytes());
        out[0] = z.take();
        return out;
      }
      auto p = losslab::binary(BinOp::Pow, S, Operand::of(as_double(e0 - 1)));
      if (!p) return p.error();
      const TensorView pv = p.value().view();
      auto t = losslab::binary(BinOp::Mul, Operand::of(as_double(e0)), Operand::of(pv));
      if (!t) return t.error();
      const TensorView tv = t.value().view();
      auto r = losslab::binary(BinOp::Mul, G, Operand::of(tv));
      if (!r) return r.error();
      out[0] = r.take();
      return out;
    }
    auto rv = result.get(name());
    if (!rv) return rv.error();
    const TensorView R = rv.value();
    if (kind == 2) {  // grad * (base == 0 && exp >= 0 ? 0 : result * log(base))
      auto ev = exponent.get(name());
      if (!ev) return ev.error();
      auto rl = losslab::binary(BinOp::Mul, Operand::of(R), Operand::of(as_double(std::log(e0))));
      if (!rl) return rl.error();
      const TensorView rlv = rl.value().view();
      auto ed = dense(ev.value(), R.shape, R.dtype);
      if (!ed) return ed.error();
      const TensorView E{R.dtype, R.shape, ed.value().p};
      auto w = masked(
          R.dtype, R.shape, [&](int64_t i) { return !(e0 == 0 && at(E, i) >= 0); },
          [&](int64_t i) { return at(rlv, i); });
      if (!w) return w.error();
      const TensorView wv = w.value().view();
      auto r = losslab::binary(BinOp::Mul, G, Operand::of(wv));
      if (!r) return r.error();
      out[1] = r.take();
      return out;
    }
    // kind 1
    auto sv = self.get(name());
    if (!sv) return sv.error();
    auto ev = exponent.get(name());
    if (!ev) return ev.error();
    const TensorView X = sv.value(), E = ev.value();
    if (needs(0)) {  // where(exponent == 0, 0, grad * (exponent * self.pow(exponent - 1)))
      auto em1 = losslab::binary(BinOp::Sub, Operand::of(E), num(1));
      if (!em1) return em1.error();
      const TensorView em1v = em1.value().view();
      auto p = losslab::binary(BinOp::Pow, Operand::of(X), Operand::of(em1v));
      if (!p) return p.error();
      const TensorView pv = p.value().view();
      auto t = losslab::binary(BinOp::Mul, Operand::of(E), Operand::of(pv));
      if (!t) return t.error();
      const TensorView tv = t.value().view();
      auto gt = losslab::binary(BinOp::Mul, G, Operand::of(tv));
      if (!gt) return gt.error();
      const TensorView gtv = gt.value().view();
      auto ed = dense(E, gtv.shape, gtv.dtype);
      if (!ed) return ed.error();
      const TensorView Ed{gtv.dtype, gtv.shape, ed.value().p};
      auto w = masked(
          gtv.dtype, gtv.shape, [&](int64_t i) { return at(Ed, i) != 0; },
          [&](int64_t i) { return at(gtv, i); });
      if (!w) return w.error();
      out[0] = w.take();
    }
    if (needs(1)) {  // grad * where(exponent >= 0 && self == 0, 0, result * log(self))
      auto lg = losslab::unary(UnaryOp::Log, X);
      if (!lg) return lg.error();
      const TensorView lgv = lg.value().view();
      auto rl = losslab::binary(BinOp::Mul, Operand::of(R), Operand::of(lgv));
      if (!rl) return rl.error();
      const TensorView rlv = rl.value().view();
      auto xd = dense(X, rlv.shape, rlv.dtype);
      if (!xd) return xd.error();
      auto ed = dense(E, rlv.shape, rlv.dtype);
      if (!ed) return ed.error();
      const TensorView Xd{rlv.dtype, rlv.shape, xd.value().p},
          Ed{rlv.dtype, rlv.shape, ed.value().p};
      auto w = masked(
          rlv.dtype, rlv.shape, [&](int64_t i) { return !(at(Ed, i) >= 0 && at(Xd, i) == 0); },
          [&](int64_t i) { return at(rlv, i); });
      if (!w) return w.error();
      const TensorView wv = w.value().view();
      auto r = losslab::binary(BinOp::Mul, G, Operand::of(wv));
      if (!r) return r.error();
      out[1] = r.take();
    }
    return out;
  }
};

// max() / min() of all elements: evenly_distribute_backward, grad / count at every element equal
// to the result (every NaN when it is NaN), +0 elsewhere.
struct MaxAllNode final : Node {
  bool is_min = false;
  Saved self, result;
  const char* name() const override { return is_min ? "MinBackward1" : "MaxBackward1"; }
  void release_saved() override { self.s.reset(), result.s.reset(); }
  Result<Grads> apply(const TensorView& g) override {
    auto sv = self.get(name());
    if (!sv) return sv.error();
    auto rv = result.get(name());
    if (!rv) return rv.error();
    const TensorView x = sv.value();
    const double v = at(rv.value(), 0);
    const bool nan = std::isnan(v);
    const auto hit = [&](int64_t i) { return nan ? std::isnan(at(x, i)) : at(x, i) == v; };
    int64_t count = 0;
    for (int64_t i = 0; i < x.numel(); ++i) count += hit(i);
    const double q =
        x.dtype == DType::Float32
            ? static_cast<double>(static_cast<float>(at(g, 0)) / static_cast<float>(count))
            : at(g, 0) / static_cast<double>(count);
    auto r = masked(x.dtype, x.shape, hit, [&](int64_t) { return q; });
    return one(std::move(r));
  }
};

// max(dim) / min(dim): value_selecting_reduction_backward, the gradient scattered to the
// indices along dim, +0 elsewhere.
struct MaxDimNode final : Node {
  bool is_min = false;
  Tensor indices;  // the forward's, as torch saves them
  Shape in_shape;
  int64_t outer = 1, D = 1, inner = 1;
  const char* name() const override { return is_min ? "MinBackward0" : "MaxBackward0"; }
  void release_saved() override { indices = Tensor(); }
  Result<Grads> apply(const TensorView& g) override {
    if (!indices.ok()) return Saved().get(name()).error();  // freed by an earlier backward
    auto o = alloc_tensor(g.dtype, in_shape);
    if (!o) return o.error();
    std::memset(o.value().data(), 0, o.value().nbytes());
    const int64_t* ix = indices.as<int64_t>();
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t c = 0; c < inner; ++c) {
        const int64_t src = a * inner + c, dst = (a * D + ix[src]) * inner + c;
        if (g.dtype == DType::Float32)
          o.value().as<float>()[dst] = g.as<float>()[src];
        else
          o.value().as<double>()[dst] = g.as<double>()[src];
      }
    Grads out(1);
    out[0] = o.take();
    return out;
  }
};

// slice / select / narrow: the gradient back at the kept places in zeros (SliceBackward0,
// SelectBackward0).
struct TakeNode final : Node {
  SliceSpec spec;
  Shape in_shape;
  const char* name() const override { return spec.drop ? "SelectBackward0" : "SliceBackward0"; }
  Result<Grads> apply(const TensorView& g) override {
    auto r = take_backward(g, in_shape, spec);
    return one(std::move(r));
  }
};

// cat / stack: each input's part of the gradient (CatBackward0, StackBackward0).
struct CatNode final : Node {
  bool is_stack = false;
  int64_t dim = 0;             // wrapped, in the result's dims
  std::vector<int64_t> sizes;  // per input along dim (-1: a skipped legacy empty one)
  const char* name() const override { return is_stack ? "StackBackward0" : "CatBackward0"; }
  Result<Grads> apply(const TensorView& g) override {
    Grads out(sizes.size());
    int64_t at_ = 0;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      if (sizes[k] < 0) {  // the grad of a skipped [0] tensor: empty
        auto e = alloc_tensor(g.dtype, {0});
        if (!e) return e.error();
        if (needs(k)) out[k] = e.take();
        continue;
      }
      if (needs(k)) {
        auto part = narrow_copy(g, dim, at_, sizes[k]);
        if (!part) return part.error();
        if (is_stack) {  // drop the stacked dim
          Shape sh = part.value().shape();
          sh.erase(sh.begin() + dim);
          part.value().reshape(sh);
        }
        out[k] = part.take();
      }
      at_ += sizes[k];
    }
    return out;
  }
};

// sigmoid_backward: grad * (1 - y) * y, left to right (ATen's kernel, vector and scalar alike).
template <class T>
void sigmoid_grad(const T* g, const T* y, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = g[i] * (T(1) - y[i]) * y[i];
}

struct SigmoidNode final : Node {
  Saved result;
  const char* name() const override { return "SigmoidBackward0"; }
  void release_saved() override { result.s.reset(); }
  Result<Grads> apply(const TensorView& g) override {
    auto yv = result.get(name());
    if (!yv) return yv.error();
    const TensorView y = yv.value();
    auto gd = dense(g, y.shape, y.dtype);  // the same shape and dtype as the output
    if (!gd) return gd.error();
    auto r = alloc_tensor(y.dtype, y.shape);
    if (!r) return r.error();
    if (y.dtype == DType::Float32)
      sigmoid_grad(gd.value().as<float>(), y.as<float>(), r.value().as<float>(), y.numel());
    else
      sigmoid_grad(gd.value().as<double>(), y.as<double>(), r.value().as<double>(), y.numel());
    Grads out(1);
    out[0] = r.take();
    return out;
  }
};

// sum / mean: the output's gradient expanded back over the reduced dims (sum_backward), divided
// by the count for mean.
struct ReduceNode final : Node {
  bool is_mean = false;
  ReduceDims d;
  Shape in_shape;
  const char* name() const override {
    if (is_mean) return d.all ? "MeanBackward0" : "MeanBackward1";
    return d.all ? "SumBackward0" : "SumBackward1";
  }
  Result<Grads> apply(const TensorView& g) override {
    TensorView gv = g;
    const int64_t nd = static_cast<int64_t>(in_shape.size());
    int64_t count = shape_numel(in_shape);
    if (!d.all && nd > 0) {
      const int64_t dim = d.dim < 0 ? d.dim + nd : d.dim;
      count = in_shape[static_cast<std::size_t>(dim)];
      if (!d.keepdim) {  // unsqueeze(dim)
        gv.shape = in_shape;
        gv.shape[static_cast<std::size_t>(dim)] = 1;
      }
    }
    auto e = expand_to(gv, in_shape);
    if (!e) return e.error();
    Grads out(1);
    if (!is_mean) {
      out[0] = e.take();
      return out;
    }
    const TensorView ev = e.value().view();
    auto r = losslab::binary(BinOp::Div, Operand::of(ev), num(count));
    if (!r) return r.error();
    out[0] = r.take();
    return out;
  }
};

// mm's two gradients (grad.mm(mat2.t()), mat1.t().mm(grad)) into out[at], out[at + 1]; addmm's
// bias takes grad as it is (the engine sums it to the bias's shape).
struct MmNode final : Node {
  Saved a, b;
  bool add = false;  // addmm(bias, a, b): the inputs are (bias, a, b)
  const char* name() const override { return add ? "AddmmBackward0" : "MmBackward0"; }
  void release_saved() override { a.s.reset(), b.s.reset(); }
  Result<Grads> apply(const TensorView& g) override {
    const size_t at = add ? 1 : 0;
    Grads out(at + 2);
    if (add && needs(0)) {
      auto c = copy_of(g);
      if (!c) return c.error();
      out[0] = c.take();
    }
    if (needs(at)) {
      auto bv = b.get(name());
      if (!bv) return bv.error();
      auto bt = transpose2d(bv.value());
      if (!bt) return bt.error();
      auto r = losslab::mm(g, bt.value().view());
      if (!r) return r.error();
      out[at] = r.take();
    }
    if (needs(at + 1)) {
      auto av = a.get(name());
      if (!av) return av.error();
      auto at_ = transpose2d(av.value());
      if (!at_) return at_.error();
      auto r = losslab::mm(at_.value().view(), g);
      if (!r) return r.error();
      out[at + 1] = r.take();
    }
    return out;
  }
};

struct TransposeNode final : Node {
  bool is_t = false;
  int64_t d0 = 0, d1 = 0;
  const char* name() const override { return is_t ? "TBackward0" : "TransposeBackward0"; }
  Result<Grads> apply(const TensorView& g) override {
    auto r = is_t ? transpose2d(g) : losslab::transpose(g, d0, d1);
    return one(std::move(r));
  }
};

struct ShapeNode final : Node {
  ShapeKind kind;
  Shape in_shape;
  const char* name() const override {
    switch (kind) {
      case ShapeKind::View: return "ViewBackward0";
      case ShapeKind::Reshape: return "ReshapeAliasBackward0";  // torch 1.13's reshape / flatten
      case ShapeKind::Unsqueeze: return "UnsqueezeBackward0";
      case ShapeKind::Squeeze: return "SqueezeBackward0";
      case ShapeKind::SqueezeDim: return "SqueezeBackward1";
      case ShapeKind::Clone: return "CloneBackward0";
    }
    return "?";
  }
  Result<Grads> apply(const TensorView& g) override {
    TensorView v = g;
    v.shape = in_shape;
    auto r = copy_of(v);
    return one(std::move(r));
  }
};

struct ToCopyNode final : Node {
  DType in_dtype;
  const char* name() const override { return "ToCopyBackward0"; }
  Result<Grads> apply(const TensorView& g) override {
    auto r = losslab::to_dtype(g, in_dtype);
    return one(std::move(r));
  }
};

struct LossNode final : Node {
  const LossSpec* spec = nullptr;
  LossCall call;             // views of the saved storages below
  std::vector<Saved> saved;  // the operands, then the extra tensors (weights)
  const char* grad_fn = "";
  const char* name() const override { return grad_fn; }
  void release_saved() override {
    for (auto& s : saved) s.s.reset();
  }
  Result<Grads> apply(const TensorView& g) override {
    for (const auto& s : saved)
      if (auto v = s.get(name()); !v) return v.error();
    unsigned want = 0;
    for (std::size_t k = 0; k < call.operands.size(); ++k)
      if (needs(k)) want |= want_bit(k);
    auto r = spec->backward(call, &g, want);
    if (!r) return r.error();
    Grads out(call.operands.size());
    for (std::size_t k = 0; k < out.size() && k < r.value().size(); ++k)
      if (needs(k) && r.value()[k]) out[k] = std::move(*r.value()[k]);
    return out;
  }
};

struct ActivationNode final : Node {
  const ActivationSpec* spec = nullptr;
  Saved input;
  bool has_dim = false;
  int64_t dim = 0;
  const char* name() const override {
    return std::strcmp(spec->name, "log_softmax") == 0 ? "LogSoftmaxBackward0" : "SoftmaxBackward0";
  }
  void release_saved() override { input.s.reset(); }
  Result<Grads> apply(const TensorView& g) override {
    auto x = input.get(name());
    if (!x) return x.error();
    auto r = spec->backward(x.value(), has_dim, dim, &g);
    return one(std::move(r));
  }
};

}  // namespace

// ---- ops ------------------------------------------------------------------------------------

// ---- ops ------------------------------------------------------------------------------------

namespace {

Operand operand_of(const Arg& a, TensorView& hold) {
  if (!a.var) return Operand::of(a.scalar);
  hold = a.var->view();
  return Operand::of(hold);
}

bool records(const VarPtr& out) { return out->grad_fn != nullptr; }

std::string camel_backward(const char* snake) {
  std::string s;
  bool up = true;
  for (const char* p = snake; *p; ++p) {
    if (*p == '_') {
      up = true;
      continue;
    }
    s += up ? static_cast<char>(*p - ('a' <= *p && *p <= 'z' ? 'a' - 'A' : 0)) : *p;
    up = false;
  }
  return s + "Backward0";
}

}  // namespace

namespace {
Result<VarPtr> pow_op(const Arg& a, const Arg& b) {
  TensorView ha, hb;
  const Operand A = operand_of(a, ha), B = operand_of(b, hb);
  auto node = std::make_shared<PowNode>();
  node->kind = !b.var ? 0 : !a.var ? 2 : 1;
  if (!b.var) node->num_ = b.scalar;
  if (!a.var) node->num_ = a.scalar;
  if (a.var) node->self = Saved(a.var->storage);
  if (b.var) node->exponent = Saved(b.var->storage);
  auto r = record(losslab::binary(BinOp::Pow, A, B), node, {a.var.get(), b.var.get()});
  if (r && records(r.value()) && node->kind != 0) node->result = Saved(r.value()->storage);
  return r;
}
}  // namespace

Result<VarPtr> clamp(const VarPtr& x, const std::optional<Scalar>& lo,
                     const std::optional<Scalar>& hi, int kind) {
  auto node = std::make_shared<ClampNode>();
  node->lo = lo;
  node->hi = hi;
  node->kind = kind;
  node->self = Saved(x->storage);
  return record(losslab::clamp(x->view(), lo, hi), node, {x.get()});
}

Result<VarPtr> take(const VarPtr& x, const SliceSpec& s) {
  auto node = std::make_shared<TakeNode>();
  node->spec = s;
  node->in_shape = x->view().shape;
  return record(losslab::take(x->view(), s), node, {x.get()});
}

Result<VarPtr> cat(const std::vector<VarPtr>& xs, int64_t dim, bool is_stack) {
  std::vector<TensorView> views;
  std::vector<const Var*> inputs;
  for (const auto& x : xs) {
    views.push_back(x->view());
    inputs.push_back(x.get());
  }
  auto value = is_stack ? losslab::stack(views, dim) : losslab::cat(views, dim);
  if (!value) return value.error();
  auto node = std::make_shared<CatNode>();
  node->is_stack = is_stack;
  const int64_t nd = value.value().view().dim();
  node->dim = dim < 0 ? dim + nd : dim;
  for (const auto& v : views) {
    const bool skipped = !is_stack && v.dim() == 1 && v.shape[0] == 0;
    node->sizes.push_back(skipped    ? -1
                          : is_stack ? 1
                                     : v.shape[static_cast<std::size_t>(node->dim)]);
  }
  return record(std::move(value), node, inputs);
}

Result<VarPtr> max_all(const VarPtr& x, bool is_min) {
  auto node = std::make_shared<MaxAllNode>();
  node->is_min = is_min;
  node->self = Saved(x->storage);
  auto r = record(losslab::max_all(x->view(), is_min), node, {x.get()});
  if (r && records(r.value())) node->result = Saved(r.value()->storage);
  return r;
}

Result<std::pair<VarPtr, VarPtr>> max_dim(const VarPtr& x, int64_t dim, bool keepdim, bool is_min) {
  auto vi = losslab::max_dim(x->view(), dim, keepdim, is_min);
  if (!vi) return vi.error();
  auto node = std::make_shared<MaxDimNode>();
  node->is_min = is_min;
  node->in_shape = x->view().shape;
  const int64_t nd = x->view().dim(), k = nd == 0 ? 0 : (dim < 0 ? dim + nd : dim);
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t s = x->view().shape[static_cast<std::size_t>(i)];
    (i < k ? node->outer : i == k ? node->D : node->inner) *= s;
  }
  if (x->requires_grad && grad_enabled()) {
    auto c = copy_of(vi.value().indices.view());
    if (!c) return c.error();
    node->indices = c.take();
  }
  auto v = record(std::move(vi.value().values), node, {x.get()});
  if (!v) return v.error();
  auto i = make_var(std::move(vi.value().indices));
  if (!i) return i.error();
  return std::make_pair(v.take(), i.take());
}

Result<VarPtr> binary(BinOp op, const Arg& a, const Arg& b, bool rsub) {
  if (op == BinOp::Pow) return pow_op(a, b);
  TensorView ha, hb;
  const Operand A = operand_of(a, ha), B = operand_of(b, hb);
  auto node = std::make_shared<BinaryNode>();
  node->op = op;
  node->rsub = rsub && op == BinOp::Sub;
  node->a_is_num = !a.var;
  node->b_is_num = !b.var;
  node->sa = a.scalar;
  node->sb = b.scalar;
  // mul and div read the other operand for self's gradient, self (div: both) for other's
  const bool a_rg = a.var && a.var->requires_grad, b_rg = b.var && b.var->requires_grad;
  if (op == BinOp::Mul || op == BinOp::Div) {
    if (a.var && b_rg) node->a = Saved(a.var->storage);
    if (b.var && (a_rg || (op == BinOp::Div && b_rg))) node->b = Saved(b.var->storage);
  }
  return record(losslab::binary(op, A, B), node, {a.var.get(), b.var.get()});
}

Result<VarPtr> neg(const VarPtr& x) {
  return record(losslab::neg(x->view()), std::make_shared<NegNode>(), {x.get()});
}

Result<VarPtr> unary(UnaryOp op, const VarPtr& x) {
  auto node = std::make_shared<UnaryNode>();
  node->op = op;
  const bool of_result = op == UnaryOp::Exp || op == UnaryOp::Sqrt || op == UnaryOp::Expm1 ||
                         op == UnaryOp::Tanh || op == UnaryOp::Relu;
  if (!of_result) node->saved = Saved(x->storage);
  auto r = record(losslab::unary(op, x->view()), node, {x.get()});
  if (r && of_result && records(r.value())) node->saved = Saved(r.value()->storage);
  return r;
}

Result<VarPtr> sigmoid(const VarPtr& x) {
  auto node = std::make_shared<SigmoidNode>();
  auto r = record(losslab::sigmoid(x->view()), node, {x.get()});
  if (r && records(r.value())) node->result = Saved(r.value()->storage);
  return r;
}

namespace {
Result<VarPtr> reduce(bool is_mean, const VarPtr& x, const ReduceDims& d) {
  auto node = std::make_shared<ReduceNode>();
  node->is_mean = is_mean;
  node->d = d;
  node->in_shape = x->view().shape;
  return record(is_mean ? losslab::mean(x->view(), d) : losslab::sum(x->view(), d), node,
                {x.get()});
}
}  // namespace

Result<VarPtr> sum(const VarPtr& x, const ReduceDims& d) { return reduce(false, x, d); }
Result<VarPtr> mean(const VarPtr& x, const ReduceDims& d) { return reduce(true, x, d); }

Result<VarPtr> mm(const VarPtr& a, const VarPtr& b) {
  auto node = std::make_shared<MmNode>();
  if (b->requires_grad) node->a = Saved(a->storage);
  if (a->requires_grad) node->b = Saved(b->storage);
  return record(losslab::mm(a->view(), b->view()), node, {a.get(), b.get()});
}

Result<VarPtr> addmm(const VarPtr& bias, const VarPtr& a, const VarPtr& b) {
  auto node = std::make_shared<MmNode>();
  node->add = true;
  if (b->requires_grad) node->a = Saved(a->storage);
  if (a->requires_grad) node->b = Saved(b->storage);
  return record(losslab::addmm(bias->view(), a->view(), b->view()), node,
                {bias.get(), a.get(), b.get()});
}

Result<VarPtr> t(const VarPtr& x) {
  auto node = std::make_shared<TransposeNode>();
  node->is_t = true;
  return record(transpose2d(x->view()), node, {x.get()});
}

Result<VarPtr> transpose(const VarPtr& x, int64_t dim0, int64_t dim1) {
  auto node = std::make_shared<TransposeNode>();
  node->d0 = dim0;
  node->d1 = dim1;
  return record(losslab::transpose(x->view(), dim0, dim1), node, {x.get()});
}

Result<VarPtr> shape_op(const VarPtr& x, Result<Tensor> value, ShapeKind kind) {
  auto node = std::make_shared<ShapeNode>();
  node->kind = kind;
  node->in_shape = x->view().shape;
  return record(std::move(value), node, {x.get()});
}

Result<VarPtr> to_dtype(const VarPtr& x, DType dtype) {
  if (x->view().dtype == dtype) return x;
  auto node = std::make_shared<ToCopyNode>();
  node->in_dtype = x->view().dtype;
  return record(losslab::to_dtype(x->view(), dtype), node, {x.get()});
}

Result<VarPtr> loss(const LossSpec& spec, const LossCall& call, const std::vector<VarPtr>& operands,
                    const std::vector<VarPtr>& extra, std::vector<std::string>* warnings) {
  std::vector<const Var*> inputs;
  for (std::size_t k = 0; k < operands.size(); ++k) {
    const Var* v = operands[k].get();
    const bool differentiable = k < spec.operands.size() && spec.operands[k].differentiable;
    if (grad_enabled() && v && v->requires_grad && !differentiable) {
      return Error{"NotImplementedError", std::string("the derivative of ") + spec.name + " for '" +
                                              spec.operands[k].name +
                                              "' is not implemented in losslab"};
    }
    inputs.push_back(differentiable ? v : nullptr);
  }
  for (const auto& e : extra) {
    if (grad_enabled() && e && e->requires_grad) {
      return Error{"NotImplementedError", std::string("the derivative of ") + spec.name +
                                              " for a weight is not implemented in losslab"};
    }
  }
  auto value = spec.forward(call);
  if (!value) return value.error();
  if (warnings) *warnings = value.value().warnings;
  auto node = std::make_shared<LossNode>();
  node->spec = &spec;
  node->call = call;
  node->grad_fn = loss_grad_fn_name(spec, call);
  for (const auto& v : operands) node->saved.emplace_back(v->storage);
  for (const auto& v : extra) node->saved.emplace_back(v->storage);
  return record(std::move(value.value().value), node, inputs);
}

Result<VarPtr> activation(const ActivationSpec& spec, const VarPtr& x, bool has_dim, int64_t dim,
                          bool force_scalar, std::vector<std::string>* warnings) {
  auto value = spec.forward(x->view(), has_dim, dim, force_scalar);
  if (!value) return value.error();
  if (warnings) *warnings = value.value().warnings;
  auto node = std::make_shared<ActivationNode>();
  node->spec = &spec;
  node->input = Saved(x->storage);
  node->has_dim = has_dim;
  node->dim = dim;
  return record(std::move(value.value().value), node, {x.get()});
}

const char* loss_grad_fn_name(const LossSpec& spec, const LossCall& call) {
  // torch 1.13.1's grad_fn of each loss composed in Python (or in ATen from other ops): for
  // 'none' the last op; 'mean' and 'sum' end in MeanBackward0 / SumBackward0 (cross_entropy
  // with class probabilities: DivBackward1 / NegBackward0). The rest have a node of their own,
  // named after the function (mse_loss: MseLossBackward0).
  struct Composite {
    const char* loss;
    const char* none;
  };
  static const Composite kComposite[] = {
      {"l1_loss", "AbsBackward0"},
      {"kl_div", "SubBackward0"},
      {"multilabel_soft_margin_loss", "DivBackward0"},
      {"poisson_nll_loss", "SubBackward0"},
      {"margin_ranking_loss", "ClampMinBackward0"},
      {"hinge_embedding_loss", "AddBackward0"},
      {"cosine_embedding_loss", "AddBackward0"},
      {"triplet_margin_loss", "ClampMinBackward0"},
      {"triplet_margin_with_distance_loss", "ClampBackward1"},
      {"gaussian_nll_loss", "MulBackward0"},
      {"ctc_loss", nullptr},
      {"pairwise_distance", "NormBackward1"},
      {"cosine_similarity", "SumBackward1"},
  };
  const std::string name = spec.name;
  const Reduction r = call.options.reduction;
  if (name == "cross_entropy" && call.operands.size() > 1 &&
      dtype_is_floating(call.operands[1].dtype)) {
    return r == Reduction::Mean ? "DivBackward1" : "NegBackward0";
  }
  if (name == "cross_entropy") return "NllLossBackward0";
  for (const auto& c : kComposite) {
    if (name != c.loss) continue;
    if (spec.kind == FnKind::Distance || r == Reduction::None) {
      if (c.none) return c.none;
      break;
    }
    return r == Reduction::Sum ? "SumBackward0" : "MeanBackward0";
  }
  static std::unordered_map<std::string, std::string> names;
  auto [it, fresh] = names.try_emplace(name);
  if (fresh) it->second = camel_backward(spec.name);
  return it->second.c_str();
}

}  // namespace losslab::autograd
