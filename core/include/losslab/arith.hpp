// losslab core: tensor arithmetic as torch 1.13.1 computes it on the CPU: torch.add / sub / mul /
// div (true division) and neg, a few elementwise functions and the sum / mean reductions, with
// torch's broadcasting, its type promotion (torch.result_type: dimensioned tensors before 0-d
// tensors before Python numbers, each only raising the category) and its results bit for bit: one
// IEEE operation per element in the result dtype, operands cast to it first (so float32 + 0.1 adds
// float(0.1)); integers wrap as torch's do; division of integers is true division in float32
// (torch's default dtype).
//
// (torch.add with alpha is not here: torch computes b * alpha + a with an FMA in its vectorized
// body and without one in the scalar tail, so its bits depend on the element's position.)
#pragma once
#include <cstdint>
#include <optional>

#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

enum class BinOp : int { Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4 };

// A Python number operand (a "wrapped number" in ATen): a float (double) or an int (int64; a
// value beyond int64 is the caller's "Overflow when unpacking long").
struct Scalar {
  bool is_float = true;
  double f = 0;
  int64_t i = 0;
};

// One operand of a binary op: a tensor, or a Python number.
struct Operand {
  const TensorView* tensor = nullptr;
  Scalar scalar;
  static Operand of(const TensorView& t) { return Operand{&t, {}}; }
  static Operand of(const Scalar& s) { return Operand{nullptr, s}; }
};

// torch.result_type(a, b) for add / sub / mul (div makes an integer result float32).
DType result_type(const Operand& a, const Operand& b);

// torch.<op>(a, b): a or b (not both) may be a number. Shape errors are torch's ("The size of
// tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1").
// Pow: torch.pow. A number exponent takes torch's special cases (0: ones, 1: a copy, 2: x * x,
// 3: x * x * x, 0.5: sqrt, -0.5: 1 / sqrt, -1: 1 / x, -2: 1 / (x * x): exact); other exponents,
// and tensor exponents, are std::pow in double rounded to the dtype (torch runs SLEEF's powf
// u10: within 1 ulp of this, which is within 0.5 ulp of exact). Integers: exponentiation by
// squaring, wrapping; a negative number exponent is torch's "Integers to negative integer powers
// are not allowed.", a negative tensor exponent gives 0 (1 and -1 excepted), as torch's powi.
Result<Tensor> binary(BinOp op, const Operand& a, const Operand& b);

// torch.eq / ne / lt / le / gt / ge: a bool tensor of the broadcast shape, both sides compared in
// result_type(a, b) (so float32 x == 0.1 compares with float(0.1)); NaN equals nothing.
enum class CmpOp : int { Eq = 0, Ne = 1, Lt = 2, Le = 3, Gt = 4, Ge = 5 };
Result<Tensor> compare(CmpOp op, const Operand& a, const Operand& b);

// torch.neg(x): -x; integers wrap (-(-2^63) is -2^63).
Result<Tensor> neg(const TensorView& x);

// Elementwise functions. log / exp / sqrt of an integer tensor give float32 (torch's default
// dtype). float32 exp is torch's own (SLEEF's u10, detail/torch_math.hpp: bit for bit); float32
// log is fdlibm's logf (pmath.hpp's log_f32_fd: within 1 ulp of the exact value, as torch's SLEEF
// is; the two differ by 1 ulp on 0.63% of positive floats, checked over all 2^31; a third of
// SLEEF's cost in wasm, which the lesson's BCE by hand needs to beat torch); float64 log and exp
// are pmath's (within 1 ulp of torch's SLEEF double versions); sqrt, abs and square (x * x) are
// exact. The losses keep SLEEF's log bit for bit (their fixtures are torch's bits). abs and square
// keep integer dtypes (wrapping). log1p, expm1 and tanh are correctly rounded for float32 (computed
// in double, rounded once; torch runs SLEEF's u10 versions, within 1 ulp) and libm's for float64
// (within 1 ulp; torch's SLEEF too); integers give float32. relu keeps the dtype: x < 0 ? 0 : x
// (relu(-0) is -0 and NaN stays NaN, as torch's clamp_min(x, 0)).
enum class UnaryOp : int {
  Log = 0,
  Exp = 1,
  Sqrt = 2,
  Abs = 3,
  Square = 4,
  Log1p = 5,
  Expm1 = 6,
  Tanh = 7,
  Relu = 8
};
Result<Tensor> unary(UnaryOp op, const TensorView& x);

// A chain of float32 elementwise ops over operands of one shape, evaluated in one pass: what the
// JS API runs for arithmetic it deferred (a.mul(b).add(c) ... until a value is needed). Each
// instruction is an input, binary(op, x, y) with x or y an earlier instruction or a number, or
// unary(op, x) / neg(x); every element of every instruction is computed by the same kernel, with
// the same scalar conversion, as the eager op, so the result is the eager chain's bit for bit.
// The work goes in chunks of kFusedChunk elements, so the intermediates stay in cache and only
// the inputs and the last instruction's result cross memory.
struct FusedIns {
  enum Kind : int { Input = 0, Binary = 1, Unary = 2, Neg = 3 };
  Kind kind = Input;
  int op = 0;     // BinOp (Add, Sub, Mul, Div) or UnaryOp
  int a = -1;     // earlier instruction, or -1: the number s (Binary only)
  int b = -1;     // earlier instruction, or -1: the number s (Binary only)
  Scalar s;       // the number operand of a Binary
  int input = 0;  // Input: the index into inputs
};
inline constexpr int64_t kFusedChunk = 2048;
// The last instruction's value, a float32 tensor of `shape`; inputs are float32 arrays of that
// shape. Errors (a malformed program) name the instruction.
Result<Tensor> fused(const std::vector<FusedIns>& code, const std::vector<const float*>& inputs,
                     const Shape& shape);

// torch.clamp(x, min, max) / clamp_min / clamp_max (an absent bound is None): NaN stays NaN,
// else min(max(x, lo), hi) (so lo > hi gives hi everywhere); the dtype is result_type(x, the
// bounds) (an int tensor with a float bound gives float32). Neither bound: torch's "torch.clamp:
// At least one of 'min' or 'max' must not be None".
Result<Tensor> clamp(const TensorView& x, const std::optional<Scalar>& lo,
                     const std::optional<Scalar>& hi);

// torch.sum / torch.mean of every element (all) or along one dim
// (negative counts from the end; keepdim keeps it as size 1), in torch's summation order
// (torch_sum.hpp, one thread): float sums are torch's bits. Integer sums are int64 (wrapping);
// mean of an integer tensor is torch's error; mean = sum / count in the dtype; empty: sum 0,
// mean NaN.
struct ReduceDims {
  bool all = true;
  int64_t dim = 0;
  bool keepdim = false;
};
Result<Tensor> sum(const TensorView& x, const ReduceDims& d);
Result<Tensor> mean(const TensorView& x, const ReduceDims& d);

// torch.max / torch.min (is_min): of every element (a 0-d tensor of x's dtype) or along one
// dim (values and int64 indices). NaN wins (the first NaN), else the first of equal extremes
// (max of [-0, 0] is -0 at index 0), as torch's CPU kernels. Errors as torch: an empty tensor
// without a dim ("max(): Expected reduction dim to be specified for input.numel() == 0. Specify
// the reduction dim with the 'dim' argument."), an empty reduced dim (IndexError "max():
// Expected reduction dim 0 to have non-zero size.").
struct ValuesIndices {
  Tensor values, indices;
};
Result<Tensor> max_all(const TensorView& x, bool is_min);
Result<ValuesIndices> max_dim(const TensorView& x, int64_t dim, bool keepdim, bool is_min);
// torch.argmax / argmin: the index of max_all over the flattened tensor (a 0-d int64; !d.all:
// max_dim's indices). d.all with keepdim keeps every dim as size 1.
Result<Tensor> argmax(const TensorView& x, const ReduceDims& d, bool is_min);

// torch.where(condition, x, y): x where condition, else y, of the broadcast shape of the three
// (torch's broadcast error); condition must be bool ("where expected condition to be a boolean
// tensor, but got a tensor with dtype Float"); x or y may be a number, and the dtype is
// result_type(x, y) (two numbers: int64, or float32 if either is a float). Elements are copied,
// not computed: -0, NaN payloads and infinities pass unchanged.
Result<Tensor> where(const TensorView& cond, const Operand& x, const Operand& y);

// torch.sort(x, dim, descending): values and int64 indices along dim, NaN as the largest value
// (last ascending, first descending), equal elements in their original order (a stable sort:
// torch's CPU kernel orders ties so for the sizes tried, and promises nothing for them without
// stable=True). A 0-d tensor sorts to itself, index 0. Bad dims are torch's IndexError.
Result<ValuesIndices> sort(const TensorView& x, int64_t dim, bool descending);

}  // namespace losslab
