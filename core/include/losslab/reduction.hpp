// PyTorch's Reduction enum and its gradient factor. The sums themselves follow torch's own float
// order: ATen's cascade sum (torch_sum.hpp) for losses that reduce a 'none' tensor, and
// LossNLL.cpp's 8-level cascade for nll_loss / cross_entropy (detail/nll.hpp).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "losslab/status.hpp"

namespace losslab {

enum class Reduction : int { None = 0, Mean = 1, Sum = 2, BatchMean = 3 };

// "avg is not a valid value for reduction" is PyTorch's ValueError text.
Result<Reduction> parse_reduction(const std::string& s, bool allow_batchmean);
const char* reduction_name(Reduction r);

// The factor the upstream gradient of a reduced loss is scaled by (1/n for mean, …).
inline double reduction_grad_scale(int64_t n, Reduction r, int64_t batch = 1) {
  switch (r) {
    case Reduction::Mean: return 1.0 / static_cast<double>(n);
    case Reduction::BatchMean: return 1.0 / static_cast<double>(batch);
    default: return 1.0;
  }
}

}  // namespace losslab
