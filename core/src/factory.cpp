// Creation and shape ops (factory.hpp).
#include "losslab/factory.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "losslab/broadcast.hpp"
#include "losslab/detail/convert.hpp"
#include "losslab/detail/softmax.hpp"

namespace losslab {
namespace {

// c10's checked_convert, as torch.full applies it to the fill value: a float into an integer
// dtype must be finite and within its range (a fraction truncates), an int within int32's range
// for int32, a finite float within float32's range for float32 (inf and nan pass); bool takes
// anything. (Casting NaN or 1e20 to int was undefined here.)
template <class T>
const char* c10_name() {
  return std::is_same_v<T, float>     ? "float"
         : std::is_same_v<T, double>  ? "double"
         : std::is_same_v<T, int32_t> ? "int"
                                      : "int64_t";
}

template <class T>
bool fits(const Scalar& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return true;
  } else if constexpr (std::is_floating_point_v<T>) {
    const double lim = static_cast<double>(std::numeric_limits<T>::max());
    return !v.is_float || !std::isfinite(v.f) || (v.f >= -lim && v.f <= lim);
  } else {
    if (!v.is_float)
      return v.i >= static_cast<int64_t>(std::numeric_limits<T>::lowest()) &&
             v.i <= static_cast<int64_t>(std::numeric_limits<T>::max());
    // -2^63 <= f < 2^63 for int64 (2^63 itself is not an int64), int32's bounds as c10 has them
    const double lo = static_cast<double>(std::numeric_limits<T>::lowest());
    const double hi = -lo;
    return v.f >= lo && (sizeof(T) == 8 ? v.f < hi : v.f <= hi - 1);
  }
}

template <class T>
Status fill_as(Tensor& t, const Scalar& v) {
  if (!fits<T>(v))
    return runtime_error(std::string("value cannot be converted to type ") + c10_name<T>() +
                         " without overflow");
  const T x = v.is_float ? static_cast<T>(v.f) : static_cast<T>(v.i);
  T* p = t.as<T>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = x;
  return Ok{};
}

// A copy of x's data with another shape of the same numel.
Result<Tensor> with_shape(const TensorView& x, Shape shape) {
  auto r = alloc_tensor(x.dtype, shape);
  if (!r) return r;
  if (x.numel() > 0)
    std::memcpy(r.value().data(), x.data, static_cast<std::size_t>(r.value().nbytes()));
  return r;
}

std::string join(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

Result<Tensor> full(const Shape& shape, const Scalar& value, std::optional<DType> dtype) {
  const DType dt = dtype ? *dtype : value.is_float ? DType::Float32 : DType::Int64;
  auto r = alloc_tensor(dt, shape);
  if (!r) return r;
  Status st = Ok{};
  switch (dt) {
    case DType::Float32: st = fill_as<float>(r.value(), value); break;
    case DType::Float64: st = fill_as<double>(r.value(), value); break;
    case DType::Int64: st = fill_as<int64_t>(r.value(), value); break;
    case DType::Int32: st = fill_as<int32_t>(r.value(), value); break;
    case DType::Bool: st = fill_as<bool>(r.value(), value); break;
  }
  if (!st) return st.error();
  return r;
}

Result<Tensor> arange(const Scalar& start, const Scalar& end, const Scalar& step,
                      std::optional<DType> dtype) {
  const bool all_ints = !start.is_float && !end.is_float && !step.is_float;
  const DType dt = dtype ? *dtype : all_ints ? DType::Int64 : DType::Float32;
  if (dt == DType::Bool) return runtime_error("\"arange_cpu\" not implemented for 'Bool'");
  const bool ints = !dtype_is_floating(dt);
  if (ints && !all_ints) {  // the bounds and step in the integer dtype first (0.7 is 0)
    for (const Scalar* s : {&start, &end, &step})
      if (s->is_float && !(std::fabs(s->f) < 9.2e18))
        return runtime_error("value cannot be converted to type int64_t without overflow");
    const auto trunc = [](const Scalar& s) {
      return s.is_float ? Scalar{false, 0, static_cast<int64_t>(s.f)} : s;
    };
    return arange(trunc(start), trunc(end), trunc(step), dt);
  }
  const auto as_d = [](const Scalar& s) { return s.is_float ? s.f : static_cast<double>(s.i); };
  const double a = as_d(start), b = as_d(end), st = as_d(step);
  if (st == 0) return runtime_error("step must be nonzero");
  if (!std::isfinite(a) || !std::isfinite(b))
    return runtime_error("unsupported range: " + std::to_string(a) + " -> " + std::to_string(b));
  if ((st > 0 && b < a) || (st < 0 && b > a))
    return runtime_error("upper bound and larger bound inconsistent with step sign");
  const double size_d = std::ceil((b - a) / st);
  if (!(size_d >= 0 && size_d < 9.2e18)) return runtime_error("invalid size, possible overflow?");
  const auto n = static_cast<int64_t>(size_d);
  auto r = alloc_tensor(dt, {n});
  if (!r) return r;
  if (!ints) {
    for (int64_t i = 0; i < n; ++i) {
      // torch's accscalar_t (double), and its kernel's build contracts start + step * i to an
      // fma (float64 arange(-3, 3, 0.7)[3] is -0.9000000000000001, not ...0004)
      const double v = std::fma(st, static_cast<double>(i), a);
      if (dt == DType::Float32)
        r.value().as<float>()[i] = static_cast<float>(v);
      else
        r.value().as<double>()[i] = v;
    }
  } else {  // integer start + i * step in int64 (wrapping)
    for (int64_t i = 0; i < n; ++i) {
      const auto v = static_cast<int64_t>(static_cast<uint64_t>(start.i) +
                                          static_cast<uint64_t>(step.i) * static_cast<uint64_t>(i));
      if (dt == DType::Int64)
        r.value().as<int64_t>()[i] = v;
      else
        r.value().as<int32_t>()[i] = static_cast<int32_t>(static_cast<uint32_t>(v));
    }
  }
  return r;
}

Result<Tensor> eye(int64_t n, int64_t m, DType dtype) {
  if (n < 0) return runtime_error("n must be greater or equal to 0, got " + std::to_string(n));
  if (m < 0) return runtime_error("m must be greater or equal to 0, got " + std::to_string(m));
  auto r = full({n, m}, Scalar{false, 0, 0}, dtype);
  if (!r) return r;
  for (int64_t i = 0; i < std::min(n, m); ++i) {
    Tensor& t = r.value();
    const int64_t k = i * m + i;
    switch (dtype) {
      case DType::Float32: t.as<float>()[k] = 1.0f; break;
      case DType::Float64: t.as<double>()[k] = 1.0; break;
      case DType::Int64: t.as<int64_t>()[k] = 1; break;
      case DType::Int32: t.as<int32_t>()[k] = 1; break;
      case DType::Bool: t.as<bool>()[k] = true; break;
    }
  }
  return r;
}

Result<Tensor> reshape(const TensorView& x, const Shape& shape) {
  int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) return runtime_error("only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      return runtime_error("invalid shape dimension " + std::to_string(shape[i]));
    } else {
      known *= shape[i];
    }
  }
  const int64_t n = x.numel();
  Shape out = shape;
  if (infer >= 0) {
    if (known == 0)
      return runtime_error("cannot reshape tensor of 0 elements into shape " + join(shape) +
                           " because the unspecified dimension size -1 can be any value and is "
                           "ambiguous");
    if (n % known != 0)
      return runtime_error("shape '" + join(shape) + "' is invalid for input of size " +
                           std::to_string(n));
    out[static_cast<std::size_t>(infer)] = n / known;
  } else if (known != n) {
    return runtime_error("shape '" + join(shape) + "' is invalid for input of size " +
                         std::to_string(n));
  }
  return with_shape(x, out);
}

Result<Tensor> unsqueeze(const TensorView& x, int64_t dim) {
  auto d = detail::wrap_dim(dim, x.dim() + 1);
  if (!d) return d.error();
  Shape s = x.shape;
  s.insert(s.begin() + d.value(), 1);
  return with_shape(x, s);
}

Result<Tensor> squeeze(const TensorView& x, std::optional<int64_t> dim) {
  Shape s;
  if (!dim) {
    for (int64_t v : x.shape)
      if (v != 1) s.push_back(v);
    return with_shape(x, s);
  }
  auto d = detail::wrap_dim(*dim, x.dim());
  if (!d) return d.error();
  s = x.shape;
  if (!s.empty() && s[static_cast<std::size_t>(d.value())] == 1) s.erase(s.begin() + d.value());
  return with_shape(x, s);
}

namespace {
// Two dims of x wrapped (torch's IndexError for either), in order.
Result<std::pair<int64_t, int64_t>> wrap_dims(const TensorView& x, int64_t d0, int64_t d1) {
  auto a = detail::wrap_dim(d0, x.dim());
  if (!a) return a.error();
  auto b = detail::wrap_dim(d1, x.dim());
  if (!b) return b.error();
  return std::make_pair(a.value(), b.value());
}
}  // namespace

Result<Tensor> flatten(const TensorView& x, int64_t start_dim, int64_t end_dim) {
  auto w = wrap_dims(x, start_dim, end_dim);
  if (!w) return w.error();
  const auto [a, b] = w.value();
  if (a > b)
    return runtime_error("flatten() has invalid args: start_dim cannot come after end_dim");
  if (x.dim() == 0) return with_shape(x, {1});
  Shape s(x.shape.begin(), x.shape.begin() + a);
  int64_t m = 1;
  for (int64_t i = a; i <= b; ++i) m *= x.shape[static_cast<std::size_t>(i)];
  s.push_back(m);
  s.insert(s.end(), x.shape.begin() + b + 1, x.shape.end());
  return with_shape(x, s);
}

namespace {
template <class T>
void linspace_kernel(T start_t, T end_t, int64_t steps, T* out) {
  using S = std::conditional_t<std::is_integral_v<T>, double, T>;
  const S start = static_cast<S>(start_t), end = static_cast<S>(end_t);
  const S step = (end - start) / static_cast<S>(steps - 1);
  const int64_t half = steps / 2;
  // the scalar op, and a vector's first lane: fused, as the kernel's build contracts them
  const auto at = [&](int64_t i) -> S {
    return i < half ? std::fma(step, static_cast<S>(i), start)
                    : std::fma(-step, static_cast<S>(steps - i - 1), end);
  };
  // An integer dtype truncates the double; beyond its range (int64: 2^63 - 1 rounds to 2^63)
  // x86's conversion, which torch's build uses, gives the lowest value (detail/convert.hpp)
  const auto cast = [](S v) -> T { return detail::convert_value<T, S>(v); };
  constexpr int64_t V = std::is_integral_v<T> ? 1 : 32 / static_cast<int64_t>(sizeof(T));
  int64_t i = 0;
  if (V > 1) {                         // the vectorized loop: two vectors per step while both fit
    const auto vec = [&](int64_t j) {  // Vectorized<T>::arange(base, step): base + k * step
      const S base = at(j);
      out[j] = static_cast<T>(base);
      for (int64_t k = 1; k < V; ++k) out[j + k] = static_cast<T>(base + static_cast<S>(k) * step);
    };
    for (; i + 2 * V <= steps; i += 2 * V) vec(i), vec(i + V);
  }
  for (; i < steps; ++i) out[i] = cast(at(i));
}
}  // namespace

Result<Tensor> linspace(const Scalar& start, const Scalar& end, int64_t steps,
                        std::optional<DType> dtype) {
  if (steps < 0) return runtime_error("number of steps must be non-negative");
  const DType dt = dtype.value_or(DType::Float32);
  if (dt == DType::Bool) return runtime_error("\"linspace_cpu\" not implemented for 'Bool'");
  auto r = alloc_tensor(dt, {steps});
  if (!r || steps == 0) return r;
  const auto as = [](const Scalar& s, auto zero) {
    using T = decltype(zero);
    return s.is_float ? static_cast<T>(s.f) : static_cast<T>(s.i);
  };
  const auto fill = [&](auto zero) -> Status {
    using T = decltype(zero);
    // torch converts both to the dtype first (one step: only start, which it fills with)
    for (const Scalar* v : {&start, &end})
      if ((v == &start || steps > 1) && !fits<T>(*v))
        return runtime_error(std::string("value cannot be converted to type ") + c10_name<T>() +
                             " without overflow");
    T* o = r.value().as<T>();
    if (steps == 1)
      o[0] = as(start, zero);
    else
      linspace_kernel(as(start, zero), as(end, zero), steps, o);
    return Ok{};
  };
  Status st = Ok{};
  switch (dt) {
    case DType::Float32: st = fill(0.f); break;
    case DType::Float64: st = fill(0.0); break;
    case DType::Int64: st = fill(int64_t{0}); break;
    case DType::Int32: st = fill(int32_t{0}); break;
    case DType::Bool: break;  // refused above
  }
  if (!st) return st.error();
  return r;
}

Result<Tensor> transpose(const TensorView& x, int64_t dim0, int64_t dim1) {
  auto w = wrap_dims(x, dim0, dim1);
  if (!w) return w.error();
  const auto d0 = static_cast<std::size_t>(w.value().first);
  const auto d1 = static_cast<std::size_t>(w.value().second);
  if (x.dim() == 0 || d0 == d1) return with_shape(x, x.shape);
  Shape s = x.shape;
  std::swap(s[d0], s[d1]);
  auto r = alloc_tensor(x.dtype, s);
  if (!r) return r;
  const std::size_t nd = s.size(), es = dtype_size(x.dtype);
  // strides of x, permuted to the output's dim order
  std::vector<int64_t> xs(nd, 1);
  for (std::size_t i = nd - 1; i-- > 0;) xs[i] = xs[i + 1] * x.shape[i + 1];
  std::swap(xs[d0], xs[d1]);
  const auto* src = static_cast<const unsigned char*>(x.data);
  auto* dst = static_cast<unsigned char*>(r.value().data());
  const int64_t n = r.value().numel();
  StridedWalk walk(s, xs);  // the output's index, x's offset
  for (int64_t k = 0; k < n; ++k, walk.next())
    std::memcpy(dst + static_cast<std::size_t>(k) * es,
                src + static_cast<std::size_t>(walk.offset()) * es, es);
  return r;
}

}  // namespace losslab
