#include "losslab/reduction.hpp"

namespace losslab {

Result<Reduction> parse_reduction(const std::string& s, bool allow_batchmean) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  if (s == "batchmean" && allow_batchmean) return Reduction::BatchMean;
  return value_error(s + " is not a valid value for reduction");
}

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
    case Reduction::BatchMean: return "batchmean";
  }
  return "?";
}

}  // namespace losslab
