// One reduction helper for every loss (PyTorch's Reduction enum + apply_loss_reduction), and the
// accurate accumulator they all sum with: float lanes for a short block, then a double total,
// so 'mean'/'sum' do not drift with N (float32-only sums are percents off at N = 3e7).
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

// Turns an accurate total into the reduced value: 'sum' → total; 'mean' → total / n
// (NaN when n == 0, as torch.tensor([]).mean()); 'batchmean' → total / batch.
inline double reduce_total(double total, int64_t n, Reduction r, int64_t batch = 1) {
  switch (r) {
    case Reduction::Sum: return total;
    case Reduction::Mean:
      return n == 0 ? std::numeric_limits<double>::quiet_NaN() : total / static_cast<double>(n);
    case Reduction::BatchMean:
      return batch == 0 ? std::numeric_limits<double>::quiet_NaN()
                        : total / static_cast<double>(batch);
    case Reduction::None: break;
  }
  return total;
}

// The factor the upstream gradient of a reduced loss is scaled by (1/n for mean, …).
inline double reduction_grad_scale(int64_t n, Reduction r, int64_t batch = 1) {
  switch (r) {
    case Reduction::Mean: return 1.0 / static_cast<double>(n);
    case Reduction::BatchMean: return 1.0 / static_cast<double>(batch);
    default: return 1.0;
  }
}

// Elements summed in working precision before a flush into the double total.
constexpr int64_t kAccumulateBlock = 256;

}  // namespace losslab
