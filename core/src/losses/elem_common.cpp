#include "elem_common.hpp"

#include <algorithm>

#include "losslab/torch_sum.hpp"

namespace losslab::elem {
namespace {

int ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  int b = 0;
  for (uint64_t v = static_cast<uint64_t>(x - 1); v; v >>= 1) ++b;
  return b;
}

// SumKernel.cpp's multi_row_sum for one output: 4 levels of accumulators over `size` values
// x[0], x[stride], ...; level_step = 2^max(4, CeilLog2(size) / 4).
template <class T>
T multi_sum(const T* x, int64_t stride, int64_t size) {
  const int lp = std::max(4, ceil_log2(size) / 4);
  const int64_t step = int64_t(1) << lp, mask = step - 1;
  T acc[4] = {T(0), T(0), T(0), T(0)};
  int64_t i = 0;
  while (i + step <= size) {
    for (int64_t j = 0; j < step; ++j, ++i) acc[0] += x[i * stride];
    for (int j = 1; j < 4; ++j) {
      acc[j] += acc[j - 1];
      acc[j - 1] = T(0);
      if ((i & (mask << (j * lp))) != 0) break;
    }
  }
  for (; i < size; ++i) acc[0] += x[i * stride];
  for (int j = 1; j < 4; ++j) acc[0] += acc[j];
  return acc[0];
}

// SumKernel.cpp's row_sum: the values as (size / 4, 4), four multi_sum columns, the leftover
// values into the first, then the four added in order.
template <class T>
T row_sum(const T* x, int64_t stride, int64_t size) {
  const int64_t q = size / 4;
  T p[4];
  for (int k = 0; k < 4; ++k) p[k] = multi_sum(x + k * stride, 4 * stride, q);
  for (int64_t i = 4 * q; i < size; ++i) p[0] += x[i * stride];
  for (int k = 1; k < 4; ++k) p[0] += p[k];
  return p[0];
}

// A contiguous run (the full reduction, and each row of an inner reduction): torch_sum.hpp.
inline float run_sum(const float* x, int64_t n) { return torch_sum_f32(x, n); }
inline double run_sum(const double* x, int64_t n) { return torch_sum_f64(x, n); }

// Reduction over the leading dimension of an (R, K) block, the K kept values contiguous:
// cascade_sum's vectorized_outer_sum (K >= lanes: blocks of 4 vectors by multi_row_sum, then
// single vectors and the leftover columns by row_sum) or scalar_outer_sum (K < lanes: groups of
// 4 columns by multi_row_sum, the rest by row_sum). Either way each column is summed alone.
template <class T>
void outer_sum(const T* g, int64_t R, int64_t K, T* out) {
  constexpr int64_t L = sizeof(T) == 4 ? 8 : 4;  // AVX2 Vectorized<T>::size()
  const int64_t nmulti = K >= L ? (K / (4 * L)) * (4 * L) : (K / 4) * 4;
  for (int64_t j = 0; j < K; ++j)
    out[j] = T(0) + (j < nmulti ? multi_sum(g + j, K, R) : row_sum(g + j, K, R));
}

template <class T>
bool sum_to_t(const T* g, const Shape& gs, const Shape& shape, T* out) {
  struct Block {
    int64_t size;
    bool reduced;
  };
  std::vector<Block> b;
  const std::size_t lead = gs.size() - shape.size();
  for (std::size_t i = 0; i < gs.size(); ++i) {
    if (gs[i] == 1) continue;
    const bool red = i < lead || shape[i - lead] == 1;
    if (!b.empty() && b.back().reduced == red)
      b.back().size *= gs[i];
    else
      b.push_back({gs[i], red});
  }
  int nred = 0;
  for (const Block& k : b) nred += k.reduced;
  if (nred == 0) {
    std::memcpy(out, g, static_cast<std::size_t>(shape_numel(shape)) * sizeof(T));
    return true;
  }
  if (nred > 1) return false;
  if (b.size() == 1) {  // everything reduced
    out[0] = run_sum(g, b[0].size);
    return true;
  }
  if (b.size() == 2 && b[1].reduced) {  // (K, R): a row sum per output
    const int64_t K = b[0].size, R = b[1].size;
    for (int64_t j = 0; j < K; ++j) out[j] = run_sum(g + j * R, R);
    return true;
  }
  // (R, K) or (Ko, R, K): column sums per outer block.
  const std::size_t r = b[0].reduced ? 0 : 1;
  if (r + 2 != b.size()) return false;
  const int64_t Ko = r == 0 ? 1 : b[0].size, R = b[r].size, K = b[r + 1].size;
  for (int64_t o = 0; o < Ko; ++o) outer_sum(g + o * R * K, R, K, out + o * K);
  return true;
}

}  // namespace

Result<Tensor> torch_sum_to(Tensor g, const Shape& shape) {
  if (g.shape() == shape) return g;
  Tensor out(g.dtype(), shape);
  if (!out.ok()) return oom_error(std::to_string(out.nbytes()) + " bytes");
  if (g.numel() == 0) {
    std::memset(out.data(), 0, out.nbytes());
    return out;
  }
  const bool done = g.dtype() == DType::Float32
                        ? sum_to_t(g.as<float>(), g.shape(), shape, out.as<float>())
                        : sum_to_t(g.as<double>(), g.shape(), shape, out.as<double>());
  if (done) return out;
  return sum_to_shape(g.view(), shape);
}

Result<Dense> dense(const TensorView& v, const Shape& shape, DType dtype) {
  Dense d;
  if (v.shape == shape && v.dtype == dtype) {
    d.p = v.data;
    return d;
  }
  auto e = expand_to(v, shape, dtype);
  if (!e) return e.error();
  d.own = e.take();
  d.p = d.own.data();
  return d;
}

Result<Tensor> make(DType dtype, const Shape& shape) {
  Tensor t(dtype, shape);
  if (!t.ok()) return oom_error(std::to_string(t.nbytes()) + " bytes");
  return t;
}

DType promote(const LossCall& c) {
  DType d = DType::Float32;
  for (const TensorView& v : c.operands) d = detail::promote_floating(d, v.dtype);
  return d;
}

unsigned floating_wants(const LossCall& c, unsigned want) {
  for (std::size_t k = 0; k < c.operands.size(); ++k)
    if (!dtype_is_floating(c[k].dtype)) want &= ~want_bit(k);
  return want;
}

Result<LossOutput> reduced(Result<Tensor> values, Reduction r) {
  if (!values) return values.error();
  auto v = detail::reduce_like_torch(values.take(), r);
  if (!v) return v.error();
  LossOutput out;
  out.value = v.take();
  return out;
}

std::string int_mean_message(DType d) {
  return std::string(
             "mean(): could not infer output dtype. Input dtype must be either a floating point "
             "or complex dtype. Got: ") +
         dtype_torch_name(d);
}

Result<Tensor> finish_grad(Tensor full, const TensorView& operand) {
  auto s = torch_sum_to(std::move(full), operand.shape);
  if (!s || s.value().dtype() == operand.dtype) return s;
  return detail::as_dtype(s.value().view(), operand.dtype);
}

}  // namespace losslab::elem
