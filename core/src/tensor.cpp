#include "losslab/tensor.hpp"

#include <cstdint>
#include <limits>

namespace losslab {

std::size_t dtype_size(DType d) {
  switch (d) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Int32: return 4;
    case DType::Bool: return 1;
  }
  return 0;
}

const char* dtype_name(DType d) {
  switch (d) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Int32: return "int32";
    case DType::Bool: return "bool";
  }
  return "?";
}

std::optional<DType> dtype_from_name(const std::string& name) {
  for (DType d : {DType::Float32, DType::Float64, DType::Int64, DType::Int32, DType::Bool})
    if (name == dtype_name(d)) return d;
  return std::nullopt;
}

const char* dtype_torch_name(DType d) {
  switch (d) {
    case DType::Float32: return "Float";
    case DType::Float64: return "Double";
    case DType::Int64: return "Long";
    case DType::Int32: return "Int";
    case DType::Bool: return "Bool";
  }
  return "?";
}

bool dtype_is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

std::string torch_size(const Shape& s) { return "torch.Size(" + shape_str(s) + ")"; }

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  const uint64_t bytes = nbytes();
  for (int64_t d : shape_)
    if (d < 0) return;                                         // not ok()
  if (bytes > static_cast<uint64_t>(SIZE_MAX) - 4096) return;  // does not fit this address space
  // malloc(0) may return nullptr legitimately; keep a 1-byte block so data() is never null.
  data_ = std::malloc(bytes ? static_cast<std::size_t>(bytes) : 1);
  ok_ = data_ != nullptr;
}

Result<Tensor> alloc_tensor(DType dtype, const Shape& shape) {
  // numel with overflow checks (a zero dimension makes any shape empty).
  bool empty = false;
  for (int64_t d : shape) empty = empty || d == 0;
  uint64_t numel = 1;
  const uint64_t max_numel = std::numeric_limits<std::size_t>::max() / dtype_size(dtype);
  for (int64_t d : shape) {
    if (empty) break;
    const uint64_t ud = static_cast<uint64_t>(d);
    if (numel > max_numel / ud) {
      return oom_error("a " + std::string(dtype_name(dtype)) + " tensor of shape " +
                       shape_str(shape));
    }
    numel *= ud;
  }
  Tensor t(dtype, shape);
  if (!t.ok()) {
    return oom_error(std::to_string(t.nbytes()) + " bytes for a " + dtype_name(dtype) +
                     " tensor of shape " + shape_str(shape));
  }
  return Result<Tensor>(std::move(t));
}

}  // namespace losslab
