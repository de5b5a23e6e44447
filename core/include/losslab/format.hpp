// PyTorch 1.13's tensor printing (torch/_tensor_str.py with default print options:
// precision 4, threshold 1000, edgeitems 3, linewidth 80), e.g. "tensor(2.4869)".
#pragma once
#include <string>

#include "losslab/tensor.hpp"

namespace losslab {

std::string torch_repr(const TensorView& t);

}  // namespace losslab
