// losslab core: a minimal owning tensor (contiguous, row-major) and a non-owning view.
// The core never depends on Emscripten; buffers come from malloc so the wasm bindings can hand
// ownership to JS (which frees them with Module._free).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "losslab/shape.hpp"
#include "losslab/status.hpp"

namespace losslab {

// Bool: one byte per element, 0 or 1 (comparisons' results, masks).
enum class DType : int { Float32 = 0, Float64 = 1, Int64 = 2, Int32 = 3, Bool = 4 };

std::size_t dtype_size(DType d);
const char* dtype_name(DType d);                                // 'float32' … as in the JS API
std::optional<DType> dtype_from_name(const std::string& name);  // inverse of dtype_name
const char* dtype_torch_name(
    DType d);  // 'Float', 'Double', 'Long', 'Int', 'Bool' (torch's messages)
bool dtype_is_floating(DType d);
int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);   // "[3, 1]"
std::string torch_size(const Shape& s);  // "torch.Size([3, 1])"

// Non-owning view of a contiguous row-major buffer.
struct TensorView {
  DType dtype = DType::Float32;
  Shape shape;
  const void* data = nullptr;
  int64_t numel() const { return shape_numel(shape); }
  int64_t dim() const { return static_cast<int64_t>(shape.size()); }
  template <class T>
  const T* as() const {
    return static_cast<const T*>(data);
  }
};

// Owning contiguous tensor; storage from std::malloc (may be released to JS).
class Tensor {
 public:
  Tensor() = default;
  // Allocates; on failure ok() is false (no exception: wasm builds have none).
  Tensor(DType dtype, Shape shape);
  ~Tensor() {
    if (data_) std::free(data_);
  }
  Tensor(Tensor&& o) noexcept
      : dtype_(o.dtype_), shape_(std::move(o.shape_)), data_(o.data_), ok_(o.ok_) {
    o.data_ = nullptr;
    o.ok_ = false;
  }
  Tensor& operator=(Tensor&& o) noexcept {
    if (this != &o) {
      if (data_) std::free(data_);
      dtype_ = o.dtype_;
      shape_ = std::move(o.shape_);
      data_ = o.data_;
      ok_ = o.ok_;
      o.data_ = nullptr;
      o.ok_ = false;
    }
    return *this;
  }
  Tensor(const Tensor&) = delete;
  // Takes ownership of a std::malloc'd buffer of shape's element count (JS's _malloc: a tensor
  // the JS API made, handed to the core when autograd needs to keep it).
  static Tensor adopt(DType dtype, Shape shape, void* data) {
    Tensor t;
    t.dtype_ = dtype;
    t.shape_ = std::move(shape);
    t.data_ = data;
    t.ok_ = data != nullptr;
    return t;
  }
  Tensor& operator=(const Tensor&) = delete;

  bool ok() const { return ok_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_numel(shape_); }
  // In 64 bits: on wasm32 numel * itemsize can exceed size_t (the constructor then fails).
  uint64_t nbytes() const { return static_cast<uint64_t>(numel()) * dtype_size(dtype_); }
  void* data() { return data_; }
  const void* data() const { return data_; }
  template <class T>
  T* as() {
    return static_cast<T*>(data_);
  }
  template <class T>
  const T* as() const {
    return static_cast<const T*>(data_);
  }
  TensorView view() const { return TensorView{dtype_, shape_, data_}; }
  // Gives up ownership of the buffer (caller frees with std::free).
  void* release() {
    void* p = data_;
    data_ = nullptr;
    return p;
  }
  void reshape(Shape s) { shape_ = std::move(s); }

 private:
  DType dtype_ = DType::Float32;
  Shape shape_;
  void* data_ = nullptr;
  bool ok_ = false;
};

// A new tensor, or oom_error (RangeError) when the element count overflows, the byte count does
// not fit in size_t (wasm32: 4 GiB) or malloc fails. Dimensions must be non-negative.
Result<Tensor> alloc_tensor(DType dtype, const Shape& shape);

}  // namespace losslab
