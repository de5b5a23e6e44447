// Shared by the fuzz targets: the fuzzer's bytes read as the values that break kernels, and
// operands (dtype, shape, contents) drawn from them.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "losslab/tensor.hpp"

namespace fuzz {

using namespace losslab;

struct Bytes {
  const uint8_t* p;
  size_t n;
  uint8_t u8() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  double f64() {
    switch (u8() % 12) {  // the values that break kernels, then anything
      case 0: return 0.0;
      case 1: return -0.0;
      case 2: return std::numeric_limits<double>::quiet_NaN();
      case 3: return std::numeric_limits<double>::infinity();
      case 4: return -std::numeric_limits<double>::infinity();
      case 5: return 1e-45;
      case 6: return 3.4e38;
      case 7: return static_cast<double>(static_cast<int8_t>(u8()));
      case 8: return static_cast<double>(static_cast<int8_t>(u8())) / 16.0;
      default: {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
        double d;
        std::memcpy(&d, &v, sizeof d);
        return d;
      }
    }
  }
};

constexpr DType kDTypes[] = {DType::Float32, DType::Float64, DType::Int64, DType::Int32,
                             DType::Bool};

// One operand: a shape of up to 3 dims of size 0..6 (often a common one), filled from the bytes.
struct Owned {
  DType dtype;
  Shape shape;
  std::vector<uint8_t> data;
  TensorView view() { return TensorView{dtype, shape, data.data()}; }
};

inline Owned operand(Bytes& in, const Shape& common) {
  Owned o;
  o.dtype = kDTypes[in.u8() % 5];
  if (in.u8() % 4) {
    o.shape = common;
  } else {
    const int nd = in.u8() % 4;
    for (int d = 0; d < nd; ++d) o.shape.push_back(in.u8() % 7);
  }
  int64_t n = 1;
  for (int64_t s : o.shape) n *= s;
  const size_t width = o.dtype == DType::Float64 || o.dtype == DType::Int64 ? 8
                       : o.dtype == DType::Bool                             ? 1
                                                                            : 4;
  o.data.resize(static_cast<size_t>(n) * width + 8);
  for (int64_t i = 0; i < n; ++i) {
    const double v = in.f64();
    uint8_t* at = o.data.data() + i * width;
    switch (o.dtype) {
      case DType::Float32: {
        const float f = static_cast<float>(v);
        std::memcpy(at, &f, 4);
        break;
      }
      case DType::Float64: std::memcpy(at, &v, 8); break;
      case DType::Int64: {
        const int64_t x = std::isfinite(v) && std::fabs(v) < 9e18 ? static_cast<int64_t>(v) : 0;
        std::memcpy(at, &x, 8);
        break;
      }
      case DType::Int32: {
        const int32_t x = std::isfinite(v) && std::fabs(v) < 2e9 ? static_cast<int32_t>(v) : 0;
        std::memcpy(at, &x, 4);
        break;
      }
      case DType::Bool: *at = v != 0.0; break;
    }
  }
  return o;
}

}  // namespace fuzz
