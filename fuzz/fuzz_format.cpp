// libFuzzer target: the print format (torch_repr) on any shape (many dims of size 1 included: a
// tensor of 5,000 such dims once overflowed a recursive walker), dtype and value, with and without
// the autograd suffixes.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "losslab/format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace losslab;
  if (size < 3) return 0;
  const DType dtypes[] = {DType::Float32, DType::Float64, DType::Int64, DType::Int32, DType::Bool};
  const DType dt = dtypes[data[0] % 5];
  Shape shape;
  const int nd = data[1] % 8 == 7 ? 1000 + data[2] * 20 : data[1] % 5;  // sometimes very deep
  for (int d = 0; d < nd; ++d) shape.push_back(nd > 8 ? 1 : data[(3 + d) % size] % 40);
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  if (n > 20000) return 0;
  const size_t width = dt == DType::Float64 || dt == DType::Int64 ? 8 : dt == DType::Bool ? 1 : 4;
  std::vector<uint8_t> buf(static_cast<size_t>(n) * width + 8);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = data[(7 + i) % size];
  if (dt == DType::Bool)
    for (auto& b : buf) b &= 1;
  const TensorView t{dt, shape, buf.data()};
  (void)torch_repr(t);
  (void)torch_repr(t, {"grad_fn=<MulBackward0>"});
  return 0;
}
