// The packed call buffer: how the JS API hands a call to the core without Embind conversions.
// Every loss and activation call, forward and backward, tensor arithmetic, where, the fused
// float32 chain and indexing travel through one buffer of doubles in wasm memory: the JS API
// validates and converts every argument first and writes the call here, so nothing is converted
// (and nothing can throw) while a wasm frame is live, and a call costs ~2 us instead of ~40
// Embind property reads. The layout follows the registry:
//   [0] force_scalar (0/1)   [1] reduction code (-1: default)
//   each operand, in spec order:  TENSOR
//   each option, in spec order:   tag (0: not given, 1: given), then for a given one
//       float: value | int: hi (signed 32 bits), lo (unsigned 32 bits) | bool: 0/1 |
//       tensor: TENSOR | dtype: code | callable: nothing (the JS API resolves it)
//   backward only: grad_output tag (0/1) [+ TENSOR]
//   TENSOR = dtype code, ptr, ndim, dims...
// Results come back in the same buffer: forward: TENSOR, warning count (texts in
// last_warnings()); backward: per operand a tag (0: no gradient, 1: TENSOR follows). A call
// returns 0, or 1 with the error in last_error().
//
// The decoder trusts one thing only: that a TENSOR's pointer addresses a buffer of its dtype and
// shape (the JS API allocated it). Every other slot is checked as it is read — codes in range,
// integers integral, ndim within the buffer, nothing read past its end — so a malformed call is
// an error ("malformed call buffer: ..."), never a wild cast. No Emscripten here: the native
// tests and the fuzzer (fuzz/fuzz_pack.cpp) drive the same decoder as the wasm bindings.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "losslab/arith.hpp"
#include "losslab/index.hpp"
#include "losslab/registry.hpp"
#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab::pack {

double* buffer();
std::size_t slots();
// Makes room for n doubles (JS asks before writing a large call); returns the buffer.
double* reserve(std::size_t n);

const Error& last_error();
const std::vector<std::string>& last_warnings();

// Reads the buffer from slot 0. Every read is checked; the first problem is kept in error() and
// later reads return zeros (callers check ok() before anything is used).
class Reader {
 public:
  Reader() : p_(buffer()), n_(slots()) {}
  // (always inlined: a loss call reads a dozen slots, and a call per slot showed in profiles)
  __attribute__((always_inline)) double next() {
    if (bad_) return 0;
    if (i_ >= n_) {
      fail("read past the end");
      return 0;
    }
    return p_[i_++];
  }
  // An integer in [lo, hi] (dtype and reduction codes, tags, ndim).
  __attribute__((always_inline)) int64_t integer(int64_t lo, int64_t hi, const char* what) {
    const double v = next();
    if (bad_) return lo;
    // (v in range and integral; NaN fails both comparisons)
    if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) ||
        v != static_cast<double>(static_cast<int64_t>(v)))
      return out_of_range(what, lo);
    return static_cast<int64_t>(v);
  }
  bool flag(const char* what) { return integer(0, 1, what) != 0; }
  int64_t i64();  // hi (signed 32 bits), lo (unsigned 32 bits)
  TensorView view();
  void view_into(TensorView& v);  // the same, into v (no TensorView moved)
  Scalar number();                // kind (0 float, 1 int), f, hi, lo
  bool ok() const { return !bad_; }
  Error error() const;

 private:
  void fail(const std::string& what);
  int64_t out_of_range(const char* what, int64_t lo);
  const double* p_;  // the buffer as it was when the call started (nothing resizes it meanwhile)
  std::size_t n_;
  std::size_t i_ = 0;
  bool bad_ = false;
  std::string error_;
};

// A number from the JS API's (kind, f, hi, lo): kind 0 a float (f), 1 an int (hi: signed high
// 32 bits, lo: unsigned low 32 bits), both already checked by the caller.
Scalar scalar_of(int kind, double f, double hi, double lo);

// Index i < losses().size() is the registry's loss i; after them come internal_losses().
const LossSpec* loss_at(int index);
// Operands and options as the spec lays them out.
Status read_loss_call(const LossSpec& spec, Reader& r, LossCall& call);

// An activation call's head: [0] force_scalar, [1] (no reduction), the input TENSOR, dim tag
// [+ hi, lo], dtype tag [+ code].
struct ActivationCall {
  bool force_scalar = false;
  TensorView input;
  bool has_dim = false;
  int64_t dim = 0;
  bool has_dtype = false;
  DType dtype = DType::Float32;
};
Result<ActivationCall> read_activation_call(Reader& r);

// The entries (0: the result is in the buffer; 1: the error is in last_error()).
int loss_forward(int index);
int loss_backward(int index, unsigned want);
int activation(int index, bool backward);
int binary(int op, bool is_cmp);  // two operands: [0, TENSOR] or [1, kind, f, hi, lo]
int where();                      // three operands as binary's (the condition a tensor)
int fused();  // [ndim, dims..., ninputs, ptr..., ninstructions, then per instruction kind, op,
              //  a, b, number (kind, f, hi, lo), input]
// Indexing on the TENSOR in slot 0: kind 0 slice(dim, a = start, b = end, step), 1 select(dim,
// a = index), 2 narrow(dim, a = start, b = length).
// (Its arguments arrive as numbers, checked here; slice_of is the same check for autograd's take.)
int take(int kind, double dim, double a, bool has_a, double b, bool has_b, double step);
Result<SliceSpec> slice_of(const Shape& shape, int kind, double dim, double a, bool has_a, double b,
                           bool has_b, double step);

}  // namespace losslab::pack
