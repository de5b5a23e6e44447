// losslab core: PyTorch 1.13.1's CPU random generator, bit for bit.
//
// The algorithms are those of /work/shared/reference/torch_rng_spec.md (section numbers below
// refer to it): MT19937 seeded from the low 32 bits of the seed (§1, §2), torch.rand (§3),
// torch.randint (§4) and torch.randn (§5: the AVX2 16-block Box-Muller for float32 n >= 16, the
// libm 16-block path for float64 n >= 16, and the serial double path with its cached second value
// for n < 16).
//
// The fill_* functions write straight into caller memory and advance the generator exactly as
// torch does, so any sequence of calls reproduces the same stream as the same torch calls after
// torch.manual_seed(seed).
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

// at::CPUGeneratorImpl with its at::mt19937 engine (MT19937RNGEngine.h). Copyable: a copy is an
// independent generator that continues from the same state (used to fork streams).
class Generator {
 public:
  static constexpr int kStateSize = 624;                       // MERSENNE_STATE_N
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;  // c10::default_rng_seed_val

  explicit Generator(uint64_t seed = kDefaultSeed) { manual_seed(seed); }

  // torch.manual_seed(seed) (§1): both Box-Muller caches are cleared, the engine is seeded from
  // the low 32 bits only (seeds 2**32 + 421 and 421 give the same stream), and initial_seed()
  // reports the full 64-bit value.
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const { return seed_; }

  // One tempered 32-bit MT19937 output (at::mt19937::operator(), CPUGeneratorImpl::random()).
  uint32_t random() {
    if (--left_ == 0) next_state();
    return temper(state_[next_++]);
  }
  // CPUGeneratorImpl::random64(): the FIRST draw is the HIGH word.
  uint64_t random64() {
    const uint64_t hi = random();
    const uint64_t lo = random();
    return (hi << 32) | lo;
  }
  // The next n outputs of random(), in order (bulk form, same stream).
  void random_words(uint32_t* out, int64_t n);

  // Advanced bulk access used by the fill kernels: calls f(raw, count) one or more times with
  // consecutive runs of *untempered* state words (apply temper() to each) whose counts sum to n,
  // advancing the generator exactly as n calls of random() would.
  template <class F>
  void for_each_raw_run(int64_t n, F&& f) {
    while (n > 0) {
      int avail = left_ - 1;  // words left in the current block
      if (avail == 0) {
        next_state();
        // torch regenerates inside a draw (left = 624 after it); consuming k words from a
        // fresh block must leave left = 625 - k, next = k.
        left_ = kStateSize + 1;
        avail = kStateSize;
      }
      const int take = n < avail ? static_cast<int>(n) : avail;
      f(static_cast<const uint32_t*>(state_.data() + next_), take);
      next_ += take;
      left_ -= take;
      n -= take;
    }
  }

  // MT19937 output tempering (§2).
  static uint32_t temper(uint32_t y) {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9D2C5680u;
    y ^= (y << 15) & 0xEFC60000u;
    y ^= y >> 18;
    return y;
  }

  // CPUGeneratorImpl::next_double_normal_sample_: the second Box-Muller value of the serial
  // (n < 16) randn path (§5.4). It survives rand/randn(>=16) calls; only manual_seed clears it.
  std::optional<double> next_double_normal;
  // next_float_normal_sample_: unused by the 1.13 CPU kernels reproduced here, but part of the
  // generator state (cleared by manual_seed like the double cache).
  std::optional<float> next_float_normal;

 private:
  void next_state();  // regenerate all 624 words; left = 624, next = 0

  uint64_t seed_ = kDefaultSeed;
  std::array<uint32_t, kStateSize> state_{};
  int left_ = 1;  // draws until the next regeneration (torch's left_)
  int next_ = 0;  // index of the next state word (torch's next_)
};

// ---- Fill kernels: n elements in memory order, written to out[0..n). -------------------------

// torch.rand (§3). float32: one word per element, (w & 0xFFFFFF) * 2**-24.
void fill_rand(Generator& gen, float* out, int64_t n);
// float64: random64() per element (2 words), (v & (2**53 - 1)) * 2**-53.
void fill_rand(Generator& gen, double* out, int64_t n);

// torch.randn (§5). float32: n >= 16 -> AVX2 16-block Box-Muller (Cephes log/sincos with torch's
// FMA placement, §5.2) plus the tail rule (§5.1); n < 16 -> serial double path with the cache.
void fill_randn(Generator& gen, float* out, int64_t n);
// float64: n >= 16 -> normal_fill_16<double> with libm log/cos/sin (§5.3); n < 16 -> serial.
void fill_randn(Generator& gen, double* out, int64_t n);

// torch.randint(low, high) (§4) into out (dtype Int64, Int32, Float32 or Float64): range =
// high - low; range >= 2**32 with int64/float64/float32 output -> random64() % range, otherwise
// random() % range; value + low is cast through int64 to the dtype. Errors as torch
// ("random_ expects 'from' to be less than 'to', ...", "to - 1 is out of bounds for int").
// Nothing is drawn on error.
Status fill_randint(Generator& gen, int64_t low, int64_t high, DType dtype, void* out, int64_t n);

// ---- Tensor-level API (torch.rand / torch.randn / torch.randint with an explicit generator). ----
// Errors: negative dimension, non-floating dtype for rand/randn (torch's "... not implemented for
// 'Long'"), allocation failure (oom_error). The generator is not advanced on error.
Result<Tensor> rand(Generator& gen, const Shape& shape, DType dtype = DType::Float32);
Result<Tensor> randn(Generator& gen, const Shape& shape, DType dtype = DType::Float32);
Result<Tensor> randint(Generator& gen, int64_t low, int64_t high, const Shape& shape,
                       DType dtype = DType::Int64);

// Tensor.uniform_(from, to) in place on n elements at data (what nn.init.uniform_ and nn.Linear's
// init call): one torch.rand draw per element, then fma(u, to - from, from) in the dtype (the
// shipped kernel is built with -mfma and contracts it; checked bit for bit in float32 and float64
// against torch 1.13.1), from and to first rounded to the dtype. Errors as torch ("from is out of
// bounds for float", "uniform_ expects to return a [from, to) range, but found from=1 > to=0", the
// to - from limit), nothing drawn on error; integer tensors: not implemented.
Status uniform_(Generator& gen, DType dtype, void* data, int64_t n, double from, double to);

}  // namespace losslab
