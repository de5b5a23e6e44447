// Data reductions for drawing: a histogram computed in the core, so the page never touches
// millions of points in JS.
#pragma once
#include <cstdint>
#include <vector>

#include "losslab/status.hpp"
#include "losslab/tensor.hpp"

namespace losslab {

struct Histogram {
  double min = 0, max = 0;      // range of the finite values
  std::vector<int64_t> counts;  // `bins` equal-width bins over [min, max]
  int64_t non_finite = 0;       // NaN / ±Inf values (not binned)
};

Result<Histogram> histogram(const TensorView& t, int bins);

}  // namespace losslab
