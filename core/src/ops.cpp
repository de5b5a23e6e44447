// torch.mm, torch.sigmoid, Tensor.t(), Tensor.to(dtype): see ops.hpp.
#include "losslab/ops.hpp"

#include "losses/elem_common.hpp"
#include "losslab/broadcast.hpp"
#include "losslab/detail/convert.hpp"
#include "losslab/detail/torch_math.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

namespace losslab {
namespace {

// C[n x m] = A[n x k] * B[k x m], row-major. Per element: acc = 0; acc += a[i,p] * b[p,j] for
// p = 0..k-1, in T, never fused (the build uses -ffp-contract=off). Starting from +0 matters
// only for the sign of zero: torch's BLAS path gives +0 for (-1) * 0.

// Small k known at compile time (the lesson's k = 4): bt is B transposed (m x K), so each output
// is a fixed-length dot product of two contiguous rows; the unrolled, branch-free body lets the
// compiler vectorise across rows.
template <class T, int K>
void mm_fixed_k(const T* a, const T* bt, T* c, int64_t n, int64_t m) {
  if (m == 1) {
    for (int64_t i = 0; i < n; ++i) {
      const T* ai = a + i * K;
      T acc = T(0);
      for (int p = 0; p < K; ++p) acc = acc + ai[p] * bt[p];
      c[i] = acc;
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* ai = a + i * K;
    T* ci = c + i * m;
    for (int64_t j = 0; j < m; ++j) {
      const T* bj = bt + j * K;
      T acc = T(0);
      for (int p = 0; p < K; ++p) acc = acc + ai[p] * bj[p];
      ci[j] = acc;
    }
  }
}

// Any k: loops i, p, j so the inner loop streams a row of B and a row of C; each C element still
// receives its k terms in order p = 0, 1, ...
template <class T>
void mm_general(const T* a, const T* b, T* c, int64_t n, int64_t k, int64_t m) {
  for (int64_t i = 0; i < n; ++i) {
    const T* ai = a + i * k;
    T* ci = c + i * m;
    for (int64_t j = 0; j < m; ++j) ci[j] = T(0);
    for (int64_t p = 0; p < k; ++p) {
      const T av = ai[p];
      const T* bp = b + p * m;
      for (int64_t j = 0; j < m; ++j) ci[j] = ci[j] + av * bp[j];
    }
  }
}

template <class T>
void mm_kernel(const T* a, const T* b, T* c, int64_t n, int64_t k, int64_t m) {
  constexpr int64_t kMaxFixedK = 8;
  if (k < 1 || k > kMaxFixedK || m > 64) {
    mm_general(a, b, c, n, k, m);
    return;
  }
  T bt[kMaxFixedK * 64];  // B transposed: bt[j * k + p] = b[p * m + j]
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < m; ++j) bt[j * k + p] = b[p * m + j];
  }
  switch (k) {
    case 1: mm_fixed_k<T, 1>(a, bt, c, n, m); break;
    case 2: mm_fixed_k<T, 2>(a, bt, c, n, m); break;
    case 3: mm_fixed_k<T, 3>(a, bt, c, n, m); break;
    case 4: mm_fixed_k<T, 4>(a, bt, c, n, m); break;
    case 5: mm_fixed_k<T, 5>(a, bt, c, n, m); break;
    case 6: mm_fixed_k<T, 6>(a, bt, c, n, m); break;
    case 7: mm_fixed_k<T, 7>(a, bt, c, n, m); break;
    default: mm_fixed_k<T, 8>(a, bt, c, n, m); break;
  }
}

template <class T>
void sigmoid_kernel(const T* x, T* y, int64_t n) {
  // torch: 1 / (1 + exp(-x)) in the dtype. Its float32 kernel (cpu_kernel_vec) runs the vector
  // body, SLEEF's expf (torch_math.hpp), over whole blocks of 16 (two AVX2 vectors) and the
  // scalar op, std::exp, on the last n % 16 elements.
  // Elementwise, so the work is cut in the core's fixed chunks (detail::ew_chunks: on its threads
  // in the threaded build, from 32768 values on); a chunk starts on a multiple of 65536 and the
  // vector part ends on a multiple of 16, so no chunk has a tail and the bits do not depend on
  // the cut (recipe B's sigma is most of its time: 28 of 41 ms at N = 3e6 on one thread).
  int64_t i = 0;
  if constexpr (std::is_same_v<T, float>) {
    i = n - n % 16;  // a multiple of every batch width: map has no tail here
    detail::ew_chunks(i, [&](int64_t i0, int64_t m) {
      elem::map(
          m, true, y + i0,
          [](const auto& k, auto v) {
            using V = decltype(v);
            return V(1.0f) / (V(1.0f) + detail::tmath::torch_exp(-v, k.exp_k));
          },
          x + i0);
    });
  }
  for (; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
}

// One element of Tensor.to(): see ops.hpp (detail/convert.hpp).
template <class To, class From>
To convert(From v) {
  return detail::convert_value<To, From>(v);
}

template <class To, class From>
void convert_all(const void* src, void* dst, int64_t n) {
  const From* s = static_cast<const From*>(src);
  To* d = static_cast<To*>(dst);
  for (int64_t i = 0; i < n; ++i) d[i] = convert<To, From>(s[i]);
}

template <class From>
void convert_from(DType to, const void* src, void* dst, int64_t n) {
  switch (to) {
    case DType::Float32: convert_all<float, From>(src, dst, n); break;
    case DType::Float64: convert_all<double, From>(src, dst, n); break;
    case DType::Int64: convert_all<int64_t, From>(src, dst, n); break;
    case DType::Int32: convert_all<int32_t, From>(src, dst, n); break;
    case DType::Bool: convert_all<bool, From>(src, dst, n); break;
  }
}

void convert_any(DType from, DType to, const void* src, void* dst, int64_t n) {
  switch (from) {
    case DType::Float32: convert_from<float>(to, src, dst, n); break;
    case DType::Float64: convert_from<double>(to, src, dst, n); break;
    case DType::Int64: convert_from<int64_t>(to, src, dst, n); break;
    case DType::Int32: convert_from<int32_t>(to, src, dst, n); break;
    case DType::Bool: convert_from<bool>(to, src, dst, n); break;
  }
}

template <class T>
void transpose_kernel(const T* x, T* y, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) y[j * rows + i] = x[i * cols + j];
  }
}

}  // namespace

Result<Tensor> mm(const TensorView& a, const TensorView& b) {
  if (a.dim() != 2) return runtime_error("self must be a matrix");
  if (b.dim() != 2) return runtime_error("mat2 must be a matrix");
  const int64_t n = a.shape[0], k = a.shape[1], k2 = b.shape[0], m = b.shape[1];
  if (k != k2) {
    return runtime_error("mat1 and mat2 shapes cannot be multiplied (" + std::to_string(n) + "x" +
                         std::to_string(k) + " and " + std::to_string(k2) + "x" +
                         std::to_string(m) + ")");
  }
  if (a.dtype != b.dtype) {
    return runtime_error(std::string("expected scalar type ") + dtype_torch_name(a.dtype) +
                         " but found " + dtype_torch_name(b.dtype));
  }
  if (!dtype_is_floating(a.dtype)) {
    return runtime_error(std::string("mm: only Float and Double are supported, got ") +
                         dtype_torch_name(a.dtype));
  }
  Result<Tensor> r = alloc_tensor(a.dtype, {n, m});
  if (!r.ok()) return r;
  Tensor& c = r.value();
  if (a.dtype == DType::Float32) {
    mm_kernel(a.as<float>(), b.as<float>(), c.as<float>(), n, k, m);
  } else {
    mm_kernel(a.as<double>(), b.as<double>(), c.as<double>(), n, k, m);
  }
  return r;
}

Result<Tensor> addmm(const TensorView& bias, const TensorView& a, const TensorView& b) {
  Result<Tensor> r = mm(a, b);
  if (!r.ok()) return r;
  if (bias.dtype != a.dtype) return runtime_error("self and mat2 must have the same dtype");
  const Shape& out = r.value().shape();
  bool fits = bias.dim() <= 2;
  for (int64_t i = 0; fits && i < bias.dim(); ++i) {
    const int64_t d = bias.shape[bias.dim() - 1 - i], want = out[1 - i];
    if (d != 1 && d != want) {
      return runtime_error("The expanded size of the tensor (" + std::to_string(want) +
                           ") must match the existing size (" + std::to_string(d) +
                           ") at non-singleton dimension " + std::to_string(1 - i) +
                           ".  Target sizes: " + shape_str(out) +
                           ".  Tensor sizes: " + shape_str(bias.shape));
    }
  }
  if (!fits) {
    const char* type = bias.dtype == DType::Float32   ? "Float"
                       : bias.dtype == DType::Float64 ? "Double"
                       : bias.dtype == DType::Int64   ? "Long"
                                                      : "Int";
    return runtime_error(std::string("expand(torch.") + type + "Tensor{" + shape_str(bias.shape) +
                         "}, size=" + shape_str(out) +
                         "): the number of sizes provided (2) must be greater or equal to the "
                         "number of dimensions in the tensor (" +
                         std::to_string(bias.dim()) + ")");
  }
  Result<Tensor> e = expand_to(bias, out);
  if (!e.ok()) return e;
  const int64_t n = r.value().numel();
  if (a.dtype == DType::Float32) {
    float* c = r.value().as<float>();
    const float* s = e.value().as<float>();
    for (int64_t i = 0; i < n; ++i) c[i] = c[i] + s[i];
  } else {
    double* c = r.value().as<double>();
    const double* s = e.value().as<double>();
    for (int64_t i = 0; i < n; ++i) c[i] = c[i] + s[i];
  }
  return r;
}

Result<Tensor> sigmoid(const TensorView& x) {
  const int64_t n = x.numel();
  if (!dtype_is_floating(x.dtype)) {
    // Integer input: promoted to the default dtype (float32) first.
    Result<Tensor> f = to_dtype(x, DType::Float32);
    if (!f.ok()) return f;
    sigmoid_kernel(f.value().as<float>(), f.value().as<float>(), n);
    return f;
  }
  Result<Tensor> r = alloc_tensor(x.dtype, x.shape);
  if (!r.ok()) return r;
  if (x.dtype == DType::Float32) {
    sigmoid_kernel(x.as<float>(), r.value().as<float>(), n);
  } else {
    sigmoid_kernel(x.as<double>(), r.value().as<double>(), n);
  }
  return r;
}

Result<Tensor> add_same(const TensorView& a, const TensorView& b) {
  if (a.dtype != b.dtype || a.shape != b.shape || !dtype_is_floating(a.dtype))
    return runtime_error(std::string("add_same: expected two floating tensors of one shape and "
                                     "dtype, got ") +
                         dtype_name(a.dtype) + " " + shape_str(a.shape) + " and " +
                         dtype_name(b.dtype) + " " + shape_str(b.shape));
  Result<Tensor> r = alloc_tensor(a.dtype, a.shape);
  if (!r.ok()) return r;
  const int64_t n = a.numel();
  if (a.dtype == DType::Float32) {
    float* o = r.value().as<float>();
    for (int64_t i = 0; i < n; ++i) o[i] = a.as<float>()[i] + b.as<float>()[i];
  } else {
    double* o = r.value().as<double>();
    for (int64_t i = 0; i < n; ++i) o[i] = a.as<double>()[i] + b.as<double>()[i];
  }
  return r;
}

Result<Tensor> transpose2d(const TensorView& x) {
  if (x.dim() > 2) {
    return runtime_error("t() expects a tensor with <= 2 dimensions, but self is " +
                         std::to_string(x.dim()) + "D");
  }
  if (x.dim() < 2) {
    Result<Tensor> r = alloc_tensor(x.dtype, x.shape);
    if (!r.ok()) return r;
    if (x.numel() > 0) std::memcpy(r.value().data(), x.data, r.value().nbytes());
    return r;
  }
  const int64_t rows = x.shape[0], cols = x.shape[1];
  Result<Tensor> r = alloc_tensor(x.dtype, {cols, rows});
  if (!r.ok()) return r;
  Tensor& y = r.value();
  switch (dtype_size(x.dtype)) {  // (bool is one byte: it was read as eight, past the buffer)
    case 1: transpose_kernel(x.as<uint8_t>(), y.as<uint8_t>(), rows, cols); break;
    case 4: transpose_kernel(x.as<uint32_t>(), y.as<uint32_t>(), rows, cols); break;
    default: transpose_kernel(x.as<uint64_t>(), y.as<uint64_t>(), rows, cols); break;
  }
  return r;
}

Result<Tensor> to_dtype(const TensorView& x, DType dtype) {
  Result<Tensor> r = alloc_tensor(dtype, x.shape);
  if (!r.ok()) return r;
  convert_any(x.dtype, dtype, x.data, r.value().data(), x.numel());
  return r;
}

}  // namespace losslab
