// torch.sum / torch.mean of a contiguous float32 or float64 tensor, bit for bit as PyTorch 1.13.1
// computes them on the CPU (ATen's cascade_sum in aten/src/ATen/native/cpu/SumKernel.cpp, CPU
// capability AVX2, so Vectorized<float> has 8 lanes and Vectorized<double> 4), emulated with plain
// scalar arithmetic in torch's order. The result is the same in every build (native scalar, SSE,
// AVX2, AVX-512, WebAssembly with or without SIMD): every addition is one IEEE addition of the
// element type in a fixed order; the compiler may vectorize the independent lane chains but cannot
// reorder them.
//
// torch's order for n contiguous elements (L = 8 lanes for float, 4 for double; G = 4L):
//   * the data are read as v = n / L vectors of L lanes, and the v vectors as g = v / 4 groups of
//     4 vectors, i.e. groups of G consecutive elements;
//   * 4 levels of G lane accumulators acc0..acc3, all +0. lp = max(4, CeilLog2(g) / 4), where
//     CeilLog2(x) = 1 for x <= 2, else bit_length(x - 1); step = 2^lp. Group after group,
//     acc0[k] += x[G*i + k]. After every step-th group (i groups done): acc1 += acc0, acc0 = 0;
//     if i is a multiple of step^2 also acc2 += acc1, acc1 = 0; if of step^3, acc3 += acc2, acc2 =
//     0.
//   * P = ((acc0 + acc1) + acc2) + acc3 lane-wise: 4 vectors P0..P3 (P_r = lanes rL .. rL+L-1);
//     the v % 4 leftover vectors are added to P0 in order; then P0 += P1, P0 += P2, P0 += P3;
//   * f = 0; f += each of the n % L tail elements in order; f += P0[0], ..., P0[L-1] in order;
//   * sum = 0 + f (the output tensor starts at 0, so the sum is never -0).
//   For n < L (no vector): P_r = 0 + x[r] for r < 4 if n >= 4 (else all 0), P0 += x[4..n), then
//   P0 += P1, += P2, += P3, and sum = 0 + P0.
// The order depends on n only. A multi-dim contiguous tensor reduced to a scalar is the same as its
// flattened 1-D form (TensorIterator coalesces the dimensions), e.g. (N, 1) and (N, C).
//
// With t > 1 intra-op threads and n >= 32768 (at::internal::GRAIN_SIZE) torch splits the range:
// p = min(t, ceil(n / 32768)) parts of ceil(n / p) elements (the last shorter), each summed as
// above into buffer[part] = 0 + f_part; buffer has t slots (unused ones 0); the result is
// 0 + (the sum of that t-element buffer, by the same rule). threads = 1 is torch's result with
// torch.set_num_threads(1) (and the default on a machine where at::get_num_threads() is 1).
//
// mean = sum / T(n): one division in the element type by n converted to T (rounded to nearest,
// so n > 2^24 is not exact in float32). mean of n == 0 is NaN (0 / 0), sum of n == 0 is 0.
//
// NaN results are NaN in every build, but their sign/payload bits are not specified.
//
// Below the full sum: torch's `.sum(dim)` of a contiguous tensor (torch_sum_dim) and autograd's
// at::sum_to (torch_sum_to), in the same cascade_sum's order.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "losslab/parallel.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

// One-shot forms: x[0..n), contiguous.
float torch_sum_f32(const float* x, int64_t n, int threads = 1);
double torch_sum_f64(const double* x, int64_t n, int threads = 1);
float torch_mean_f32(const float* x, int64_t n, int threads = 1);
double torch_mean_f64(const double* x, int64_t n, int threads = 1);
// The same with one thread, by element type (for templates).
inline float torch_sum(const float* x, int64_t n) { return torch_sum_f32(x, n); }
inline double torch_sum(const double* x, int64_t n) { return torch_sum_f64(x, n); }

// torch's `.sum(dim)` of a contiguous (outer, D, inner) block into out[outer * inner], as
// SumKernel.cpp's cascade_sum runs it (AVX2: L = 8 float lanes, 4 double):
//   inner == 1 (the reduced dim is the last): each row in torch.sum's order (above);
//   otherwise, per outer index, the `inner` outputs are contiguous columns over D rows: with
//   inner >= L (vectorized_outer_sum) the first floor(inner / 4L) * 4L columns, else
//   (scalar_outer_sum) the first floor(inner / 4) * 4, are each one multi_row_sum chain
//   (sequential with cascade levels of 2^max(4, CeilLog2(D) / 4) rows); the other columns use
//   row_sum: 4 interleaved chains (row r to chain r % 4) over D / 4 rows, the D % 4 leftover
//   rows into chain 0, then chain 0 += chains 1, 2, 3. The output is 0 + the column's sum.
template <class T>
void torch_sum_dim(const T* x, int64_t outer, int64_t D, int64_t inner, T* out);

// torch's at::sum_to(g, shape) (autograd's reduction of a broadcast gradient to an operand's
// shape; shape broadcasts to g.shape), float32/float64: bit for bit when, after dropping size-1
// dims and merging neighbours, the reduced dims form one block (all of g: torch.sum; the
// trailing dims: a row sum per output; leading or middle dims: torch_sum_dim's columns);
// reduced blocks separated by kept ones are summed one block at a time, the last first (torch's
// order for small blocks; larger ones within an ulp or so); an empty g gives zeros.
Result<Tensor> torch_sum_to(const TensorView& g, const Shape& shape);

namespace detail {

// torch's cascade over one contiguous range of a length known in advance, fed in index order.
template <class T>
class TorchRangeSum {
 public:
  static constexpr int kLanes = sizeof(T) == 4 ? 8 : 4;  // AVX2 Vectorized<T>::size()
  static constexpr int kGroup = 4 * kLanes;              // ilp_factor 4 vectors

  TorchRangeSum() : TorchRangeSum(0) {}
  explicit TorchRangeSum(int64_t m);
  // Feeds up to `count` values; returns how many were taken (stops at the range's length).
  int64_t add(const T* x, int64_t count);
  int64_t remaining() const { return m_ - pos_; }
  // The range's acc_t value f (before torch's `out += f`). Requires remaining() == 0.
  T finish() const;

  // Level-2 blocks: step^2 whole groups (step = 2^lp, so at least 256 groups) that start on a
  // multiple of step^2. At the end of one, multi_row_sum adds acc1 into acc2, and acc1 holds
  // then the block's own cascade from +0 (acc0 and acc1 start at +0 in it): a value of the
  // block's data only. So blocks can be summed apart (CascadeBlock) and their values replayed
  // here in order (add_blocks) with the same roundings as feeding the data through add().
  int64_t block_elems() const { return step_ * step_ * kGroup; }
  int64_t whole_blocks() const { return group_end_ / block_elems(); }
  int64_t step() const { return step_; }
  // nb block values of kGroup lanes each (CascadeBlock::value), for the next nb blocks; requires
  // the position to be on a block start with no partial group pending.
  void add_blocks(const T* values, int64_t nb);

 private:
  void groups(const T* x, int64_t ng);  // ng whole groups at the current position
  void cascade();                       // after every step-th group
  void cascade_upper();                 // its levels 2 and 3

  int64_t m_ = 0, pos_ = 0;
  int64_t group_end_ = 0;  // elements covered by whole groups: (m / L / 4) * G
  int64_t done_ = 0;       // groups done
  int64_t in_chunk_ = 0;   // groups done since the last cascade
  int64_t step_ = 16;
  int lp_ = 4;
  int nbuf_ = 0;  // values in buf_: a partial group, or (past group_end_) the remainder
  alignas(64) T acc_[4][kGroup];
  alignas(64) T buf_[kGroup];
};

// One level-2 block summed from +0 (TorchRangeSum::add_blocks): acc0 over step groups at a
// time, added into acc1.
template <class T>
class CascadeBlock {
 public:
  static constexpr int kGroup = TorchRangeSum<T>::kGroup;
  explicit CascadeBlock(int64_t step);
  // count values, a multiple of kGroup.
  void add(const T* x, int64_t count);
  // The block's value (after all its step^2 groups) into out[kGroup].
  void value(T* out) const;

 private:
  int64_t step_, in_chunk_ = 0;
  alignas(64) T acc0_[kGroup];
  alignas(64) T acc1_[kGroup];
};

// Below this many values a sum stays on the calling thread (torch's GRAIN_SIZE).
constexpr int64_t kParallelMinValues = 32768;
// Values a task of a parallel sum covers (whole level-2 blocks, at least one).
constexpr int64_t kParallelTaskValues = 65536;
// The most values a source is asked for at once.
constexpr int64_t kSourceBlock = 2048;

}  // namespace detail

// torch.sum's one-thread result (torch_sum_f32 / _f64 with threads = 1) of n values that `src`
// makes a block at a time: src(i0, m, scratch) returns a pointer to values [i0, i0 + m),
// m <= detail::kSourceBlock, either into the data or to scratch[m] after writing them there.
// With num_threads() > 1 and n >= kParallelMinValues the level-2 blocks are made and summed on
// parallel_for's threads (tasks of a fixed number of blocks) and replayed in order; the rest
// (less than a block plus the tail) on the calling thread: the same bits at any thread count.
// src is called concurrently, for disjoint ranges.
template <class T, class Src>
T torch_sum_source(int64_t n, const Src& src) {
  if (n <= 0) return T(0);
  detail::TorchRangeSum<T> rs(n);
  const int64_t E = rs.block_elems(), nb = rs.whole_blocks();
  int64_t done = 0;
  if (num_threads() > 1 && nb >= 2 && n >= detail::kParallelMinValues) {
    constexpr int G = detail::TorchRangeSum<T>::kGroup;
    const int64_t per = std::max<int64_t>(1, detail::kParallelTaskValues / E);
    std::vector<T> bv(static_cast<std::size_t>(nb * G));
    const int64_t step = rs.step();
    parallel_for((nb + per - 1) / per, [&](int64_t t) {
      alignas(64) T scratch[detail::kSourceBlock];
      for (int64_t b = t * per; b < std::min(nb, (t + 1) * per); ++b) {
        detail::CascadeBlock<T> cb(step);
        for (int64_t i0 = b * E; i0 < (b + 1) * E; i0 += detail::kSourceBlock)
          cb.add(src(i0, detail::kSourceBlock, scratch), detail::kSourceBlock);
        cb.value(bv.data() + b * G);
      }
    });
    rs.add_blocks(bv.data(), nb);
    done = nb * E;
  }
  alignas(64) T scratch[detail::kSourceBlock];
  for (int64_t i0 = done; i0 < n; i0 += detail::kSourceBlock) {
    const int64_t m = std::min(detail::kSourceBlock, n - i0);
    rs.add(src(i0, m, scratch), m);
  }
  return T(0) + rs.finish();
}

// Streaming form: the total length n (and torch's intra-op thread count) must be known up front,
// because torch's order depends on it (level size, vector/tail split, thread split). Feed the
// n values in index order in blocks of any size; result() equals torch_sum_*(all n values) bit for
// bit. add() beyond n ignores the excess (a caller bug).
//   TorchSumF32 acc(n); acc.add(block, count); ...; float s = acc.result(); float m = acc.mean();
template <class T>
class TorchSum {
 public:
  explicit TorchSum(int64_t n, int threads = 1);
  void add(const T* x, int64_t count);
  int64_t size() const { return n_; }
  int64_t fed() const { return fed_; }
  T result() const;  // requires fed() == size()
  T mean() const { return result() / static_cast<T>(n_); }

 private:
  int64_t n_, fed_ = 0;
  int threads_;
  size_t cur_ = 0;
  std::vector<detail::TorchRangeSum<T>> parts_;
};

using TorchSumF32 = TorchSum<float>;
using TorchSumF64 = TorchSum<double>;

extern template class detail::TorchRangeSum<float>;
extern template class detail::TorchRangeSum<double>;
extern template class detail::CascadeBlock<float>;
extern template class detail::CascadeBlock<double>;
extern template class TorchSum<float>;
extern template class TorchSum<double>;
extern template void torch_sum_dim<float>(const float*, int64_t, int64_t, int64_t, float*);
extern template void torch_sum_dim<double>(const double*, int64_t, int64_t, int64_t, double*);

}  // namespace losslab
