// PyTorch 1.13's tensor printing (torch/_tensor_str.py with default print options:
// precision 4, threshold 1000, edgeitems 3, linewidth 80), e.g. "tensor(2.4869)".
#pragma once
#include <string>
#include <vector>

#include "losslab/tensor.hpp"

namespace losslab {

// `extra` are the suffixes after the dtype (autograd's "grad_fn=<MulBackward0>" or
// "requires_grad=True"), wrapped onto a new line as torch wraps them.
std::string torch_repr(const TensorView& t, const std::vector<std::string>& extra = {});

}  // namespace losslab
