// torch 1.13.1's CPU cascade sum, emulated lane by lane in scalar arithmetic (see torch_sum.hpp
// for the order). The hot loop adds a group of G = 32 floats (16 doubles) into G independent
// accumulators: the compiler vectorizes it at any SIMD width (or none) without changing a bit,
// since no addition is reassociated.
#include "losslab/torch_sum.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include "losslab/broadcast.hpp"

namespace losslab {
namespace detail {
namespace {

// ATen's utils::CeilLog2.
inline int ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  uint64_t v = static_cast<uint64_t>(x) - 1;
  int b = 0;
  while (v) {
    ++b;
    v >>= 1;
  }
  return b;
}

// acc[k] += x[G*i + k] for i in [0, ng): G independent chains.
template <class T, int G>
inline void add_groups(T* __restrict acc, const T* __restrict x, int64_t ng) {
  T a[G];
  for (int k = 0; k < G; ++k) a[k] = acc[k];
  for (int64_t i = 0; i < ng; ++i, x += G) {
    for (int k = 0; k < G; ++k) a[k] += x[k];
  }
  for (int k = 0; k < G; ++k) acc[k] = a[k];
}

}  // namespace

template <class T>
TorchRangeSum<T>::TorchRangeSum(int64_t m) : m_(m) {
  const int64_t ngroups = (m / kLanes) / 4;  // multi_row_sum's size
  group_end_ = ngroups * kGroup;
  lp_ = std::max(4, ceil_log2(ngroups) / 4);
  step_ = int64_t(1) << lp_;
  std::fill_n(&acc_[0][0], 4 * kGroup, T(0));
  std::fill_n(buf_, kGroup, T(0));
}

template <class T>
void TorchRangeSum<T>::cascade() {
  // multi_row_sum: for j in 1..3 { acc[j] += acc[j-1]; acc[j-1] = 0;
  //                                if (i & (level_mask << j*lp)) break; }
  for (int k = 0; k < kGroup; ++k) {
    acc_[1][k] += acc_[0][k];
    acc_[0][k] = T(0);
  }
  cascade_upper();
}

template <class T>
void TorchRangeSum<T>::cascade_upper() {
  const int64_t mask = step_ - 1;
  for (int j = 2; j < 4; ++j) {
    if ((done_ & (mask << ((j - 1) * lp_))) != 0) break;
    for (int k = 0; k < kGroup; ++k) {
      acc_[j][k] += acc_[j - 1][k];
      acc_[j - 1][k] = T(0);
    }
  }
}

template <class T>
void TorchRangeSum<T>::groups(const T* x, int64_t ng) {
  while (ng > 0) {
    if (in_chunk_ == 0 && ng >= step_) {
      // A whole chunk of step groups. acc0 is +0 here (reset by the last cascade), so its value
      // at the cascade is the chunk's own sum from +0: sum it in registers, add it to acc1.
      T c[kGroup];
      for (int k = 0; k < kGroup; ++k) c[k] = T(0);
      add_groups<T, kGroup>(c, x, step_);
      for (int k = 0; k < kGroup; ++k) acc_[1][k] += c[k];
      x += step_ * kGroup;
      ng -= step_;
      done_ += step_;
      cascade_upper();
      continue;
    }
    const int64_t t = std::min(ng, step_ - in_chunk_);
    add_groups<T, kGroup>(acc_[0], x, t);
    x += t * kGroup;
    ng -= t;
    done_ += t;
    in_chunk_ += t;
    if (in_chunk_ == step_) {
      in_chunk_ = 0;
      cascade();
    }
  }
}

template <class T>
int64_t TorchRangeSum<T>::add(const T* x, int64_t count) {
  const int64_t take = std::min(count, m_ - pos_);
  int64_t left = take;
  while (left > 0) {
    if (pos_ < group_end_) {
      if (nbuf_ == 0 && left >= kGroup) {
        const int64_t ng = std::min(left, group_end_ - pos_) / kGroup;
        groups(x, ng);
        x += ng * kGroup;
        pos_ += ng * kGroup;
        left -= ng * kGroup;
        continue;
      }
      // a partial group: collect it in buf_
      const int64_t c = std::min<int64_t>(left, kGroup - nbuf_);
      std::memcpy(buf_ + nbuf_, x, static_cast<size_t>(c) * sizeof(T));
      nbuf_ += static_cast<int>(c);
      x += c;
      pos_ += c;
      left -= c;
      if (nbuf_ == kGroup) {
        nbuf_ = 0;
        groups(buf_, 1);
      }
    } else {
      // the remainder past the whole groups: fewer than G values, kept for finish()
      std::memcpy(buf_ + nbuf_, x, static_cast<size_t>(left) * sizeof(T));
      nbuf_ += static_cast<int>(left);
      pos_ += left;
      left = 0;
    }
  }
  return take;
}

// finish()'s last steps, from multi_row_sum's result p[kGroup] (the group partials) and the
// m - group_end values after the whole groups, r: for m < L torch's scalar row_sum instead.
template <class T>
T fold(T* p, const T* r, int64_t m, int64_t group_end) {
  constexpr int64_t L = TorchRangeSum<T>::kLanes;
  const int64_t rem = m - group_end;
  if (m < L) {
    // scalar row_sum (no whole vector): 4 scalar rows, size m / 4 (0 or 1)
    T q[4] = {T(0), T(0), T(0), T(0)};
    int64_t i = 0;
    if (m >= 4) {
      for (int k = 0; k < 4; ++k) q[k] += r[k];
      i = 4;
    }
    for (; i < rem; ++i) q[0] += r[i];
    for (int k = 1; k < 4; ++k) q[0] += q[k];
    return q[0];
  }
  // row_sum: leftover vectors into partial_sums[0], then partial_sums[0] += [1], [2], [3]
  const int64_t nvec = m / L - group_end / L;
  for (int64_t v = 0; v < nvec; ++v)
    for (int64_t l = 0; l < L; ++l) p[l] += r[v * L + l];
  for (int64_t q = 1; q < 4; ++q)
    for (int64_t l = 0; l < L; ++l) p[l] += p[q * L + l];
  // vectorized_inner_sum: scalar tail first, then the lanes in order
  T f = T(0);
  for (int64_t i = nvec * L; i < rem; ++i) f += r[i];
  for (int64_t l = 0; l < L; ++l) f += p[l];
  return f;
}

template <class T>
T TorchRangeSum<T>::finish() const {
  assert(pos_ == m_);
  // multi_row_sum's result: acc[0] += acc[1], acc[2], acc[3]
  alignas(64) T p[kGroup];
  for (int k = 0; k < kGroup; ++k) p[k] = ((acc_[0][k] + acc_[1][k]) + acc_[2][k]) + acc_[3][k];
  return fold(p, buf_, m_, group_end_);  // buf_: the remainder values
}

template <class T>
void TorchRangeSum<T>::add_blocks(const T* values, int64_t nb) {
  assert(nbuf_ == 0 && in_chunk_ == 0 && done_ % (step_ * step_) == 0);
  const int64_t per = step_ * step_;
  const int64_t mask3 = (step_ - 1) << (2 * lp_);
  for (int64_t b = 0; b < nb; ++b, values += kGroup) {
    // the block's last cascade: acc1 (= the block's value) into acc2 ...
    for (int k = 0; k < kGroup; ++k) acc_[2][k] += values[k];
    done_ += per;
    pos_ += per * kGroup;
    // ... and acc2 into acc3 after every step^3 groups (cascade_upper's j = 3)
    if ((done_ & mask3) == 0) {
      for (int k = 0; k < kGroup; ++k) {
        acc_[3][k] += acc_[2][k];
        acc_[2][k] = T(0);
      }
    }
  }
}

template <class T>
CascadeBlock<T>::CascadeBlock(int64_t step) : step_(step) {
  std::fill_n(acc0_, kGroup, T(0));
  std::fill_n(acc1_, kGroup, T(0));
}

template <class T>
void CascadeBlock<T>::add(const T* x, int64_t count) {
  int64_t ng = count / kGroup;
  while (ng > 0) {
    const int64_t t = std::min(ng, step_ - in_chunk_);
    add_groups<T, kGroup>(acc0_, x, t);
    x += t * kGroup;
    ng -= t;
    in_chunk_ += t;
    if (in_chunk_ == step_) {
      in_chunk_ = 0;
      for (int k = 0; k < kGroup; ++k) {
        acc1_[k] += acc0_[k];
        acc0_[k] = T(0);
      }
    }
  }
}

template <class T>
void CascadeBlock<T>::value(T* out) const {
  std::copy_n(acc1_, kGroup, out);
}

template class TorchRangeSum<float>;
template class TorchRangeSum<double>;
template class CascadeBlock<float>;
template class CascadeBlock<double>;

}  // namespace detail

namespace {

constexpr int64_t kGrainSize = 32768;  // at::internal::GRAIN_SIZE

// parallel_reduce -> two_pass_reduction -> parallel_for(0, n, GRAIN_SIZE) with OpenMP's split.
int64_t num_parts(int64_t n, int threads, int64_t* chunk) {
  if (threads <= 1 || n < kGrainSize) {
    *chunk = n;
    return 1;
  }
  const int64_t p = std::min<int64_t>(threads, (n + kGrainSize - 1) / kGrainSize);
  *chunk = (n + p - 1) / p;
  return p;
}

// TorchRangeSum's result for n < 16 groups, where no cascade level is ever reached (the level
// step is at least 2^4 groups), read straight from x: acc0[k] = 0 + the groups' k-th values in
// order (acc1..3 stay +0, and adding +0 to acc0, which is never -0, changes nothing), then
// finish()'s leftover vectors, lane folding, tail and lanes. No state to set up: a row of 32
// values costs a few ns instead of TorchRangeSum's fill of 160 accumulators.
template <class T>
T small_sum(const T* x, int64_t n) {
  constexpr int64_t G = detail::TorchRangeSum<T>::kGroup;
  const int64_t group_end = ((n / detail::TorchRangeSum<T>::kLanes) / 4) * G;
  T p[G];
  for (int64_t k = 0; k < G; ++k) p[k] = T(0);
  for (int64_t g = 0; g < group_end; g += G)
    for (int64_t k = 0; k < G; ++k) p[k] += x[g + k];
  return detail::fold(p, x + group_end, n, group_end);
}

template <class T>
T sum_impl(const T* x, int64_t n, int threads) {
  if (n > 0 && n < 16 * 4 * detail::TorchRangeSum<T>::kLanes) return T(0) + small_sum(x, n);
  if (threads <= 1 || n < kGrainSize)  // one range (its blocks on the core's threads)
    return torch_sum_source<T>(n, [x](int64_t i0, int64_t, T*) { return x + i0; });
  TorchSum<T> s(n, threads);
  s.add(x, n);
  return s.result();
}

}  // namespace

template <class T>
TorchSum<T>::TorchSum(int64_t n, int threads) : n_(std::max<int64_t>(n, 0)), threads_(threads) {
  int64_t chunk = 0;
  const int64_t p = num_parts(n_, threads, &chunk);
  parts_.reserve(static_cast<size_t>(p));
  for (int64_t t = 0; t < p; ++t) {
    const int64_t b = t * chunk;
    if (b >= n_ && t > 0) break;
    parts_.emplace_back(std::min(n_, b + chunk) - b);
  }
}

template <class T>
void TorchSum<T>::add(const T* x, int64_t count) {
  while (count > 0 && cur_ < parts_.size()) {
    const int64_t took = parts_[cur_].add(x, count);
    x += took;
    count -= took;
    fed_ += took;
    if (parts_[cur_].remaining() == 0) ++cur_;
  }
}

template <class T>
T TorchSum<T>::result() const {
  assert(fed_ == n_);
  if (n_ == 0) return T(0);  // sum_out: an empty reduction is zero_()
  if (threads_ <= 1 || n_ < kGrainSize) return T(0) + parts_[0].finish();
  // two_pass_reduction: buffer[t] = 0 + f_t (0 for threads without work), then the buffer is
  // reduced into the output (0) by the same kernel.
  std::vector<T> buffer(static_cast<size_t>(threads_), T(0));
  for (size_t t = 0; t < parts_.size(); ++t) buffer[t] = T(0) + parts_[t].finish();
  return sum_impl(buffer.data(), static_cast<int64_t>(buffer.size()), 1);
}

template class TorchSum<float>;
template class TorchSum<double>;

float torch_sum_f32(const float* x, int64_t n, int threads) { return sum_impl(x, n, threads); }
double torch_sum_f64(const double* x, int64_t n, int threads) { return sum_impl(x, n, threads); }
float torch_mean_f32(const float* x, int64_t n, int threads) {
  return torch_sum_f32(x, n, threads) / static_cast<float>(n);
}
double torch_mean_f64(const double* x, int64_t n, int threads) {
  return torch_sum_f64(x, n, threads) / static_cast<double>(n);
}

// ---- .sum(dim) and at::sum_to --------------------------------------------------------------

namespace {

// multi_row_sum over n rows: K chains, chain k reading x[i * row_stride + k * col_stride].
template <class T, int K>
void multi_row_sum(const T* x, int64_t row_stride, int64_t col_stride, int64_t n, T* ret) {
  const int lp = std::max(4, detail::ceil_log2(n) / 4);
  const int64_t step = int64_t(1) << lp;
  T acc[4][K] = {};
  int64_t i = 0;
  for (; i + step <= n;) {
    for (int64_t j = 0; j < step; ++j, ++i)
      for (int k = 0; k < K; ++k) acc[0][k] = acc[0][k] + x[i * row_stride + k * col_stride];
    for (int j = 1; j < 4; ++j) {
      for (int k = 0; k < K; ++k) {
        acc[j][k] = acc[j][k] + acc[j - 1][k];
        acc[j - 1][k] = T(0);
      }
      if ((i & ((step - 1) << (j * lp))) != 0) break;
    }
  }
  for (; i < n; ++i)
    for (int k = 0; k < K; ++k) acc[0][k] = acc[0][k] + x[i * row_stride + k * col_stride];
  for (int j = 1; j < 4; ++j)
    for (int k = 0; k < K; ++k) acc[0][k] = acc[0][k] + acc[j][k];
  for (int k = 0; k < K; ++k) ret[k] = acc[0][k];
}

// row_sum: 4 interleaved chains along a column of n values `stride` apart.
template <class T>
T row_sum_strided(const T* x, int64_t n, int64_t stride) {
  T part[4];
  const int64_t ni = n / 4;
  multi_row_sum<T, 4>(x, 4 * stride, stride, ni, part);
  for (int64_t i = ni * 4; i < n; ++i) part[0] = part[0] + x[i * stride];
  for (int k = 1; k < 4; ++k) part[0] = part[0] + part[k];
  return part[0];
}

template <class T>
Result<Tensor> sum_to_t(const TensorView& g, const Shape& shape) {
  const std::size_t nd = g.shape.size();
  Shape tp(nd, 1);
  for (std::size_t k = 0; k < shape.size(); ++k) tp[nd - shape.size() + k] = shape[k];
  // (size, reduced) runs over the dims of g with size != 1, adjacent kinds merged.
  std::vector<std::pair<int64_t, bool>> runs;
  for (std::size_t k = 0; k < nd; ++k) {
    if (g.shape[k] == 1) continue;
    const bool red = tp[k] == 1;
    if (!runs.empty() && runs.back().second == red)
      runs.back().first *= g.shape[k];
    else
      runs.push_back({g.shape[k], red});
  }
  // The runs alternate, so one reduced run means (R), (K, R), (R, K) or (Ko, R, K).
  int64_t outer = 1, R = 1, inner = 1;
  int nred = 0;
  for (const auto& [size, reduced] : runs) {
    if (reduced) {
      ++nred;
      R = size;
    } else if (nred == 0) {
      outer *= size;
    } else {
      inner *= size;
    }
  }
  if (g.numel() == 0) return sum_to_shape(g, shape);
  if (nred > 1) {
    // Reduced blocks separated by kept ones: the last block first, then the rest (torch's own
    // order for such shapes is its iterator's; this one matches it for small blocks).
    Shape mid = g.shape;
    std::size_t k = nd;
    while (k-- > 0 && !(g.shape[k] != 1 && tp[k] == 1)) {
    }
    for (; k < nd && (g.shape[k] == 1 || tp[k] == 1); --k) mid[k] = 1;
    auto r = sum_to_t<T>(g, mid);
    if (!r) return r;
    return sum_to_t<T>(r.value().view(), shape);
  }
  auto out = alloc_tensor(g.dtype, shape);
  if (!out) return out.error();
  T* o = out.value().template as<T>();
  const T* x = g.as<T>();
  if (nred == 0)
    std::copy(x, x + g.numel(), o);
  else
    torch_sum_dim(x, outer, R, inner, o);
  return out;
}

}  // namespace

template <class T>
void torch_sum_dim(const T* x, int64_t outer, int64_t D, int64_t inner, T* out) {
  if (D == 0) {  // an empty dim sums to +0 (and x may be null: no pointer arithmetic on it; fuzzer)
    for (int64_t k = 0; k < outer * inner; ++k) out[k] = T(0);
    return;
  }
  constexpr int64_t L = detail::TorchRangeSum<T>::kLanes;
  const int64_t chained = inner >= L ? (inner / (4 * L)) * 4 * L : (inner / 4) * 4;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const T* base = x + o * D * inner + i;
      T v;
      if (inner == 1) {
        v = torch_sum(base, D);
      } else if (i < chained) {
        multi_row_sum<T, 1>(base, inner, 0, D, &v);
        v = T(0) + v;
      } else {
        v = T(0) + row_sum_strided(base, D, inner);
      }
      out[o * inner + i] = v;
    }
}

template void torch_sum_dim<float>(const float*, int64_t, int64_t, int64_t, float*);
template void torch_sum_dim<double>(const double*, int64_t, int64_t, int64_t, double*);

Result<Tensor> torch_sum_to(const TensorView& g, const Shape& shape) {
  if (g.shape == shape) return sum_to_shape(g, shape);
  if (g.dtype == DType::Float32) return sum_to_t<float>(g, shape);
  return sum_to_t<double>(g, shape);
}

}  // namespace losslab
