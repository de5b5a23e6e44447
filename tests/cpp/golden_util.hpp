// Shared by the golden-file tests: decoding the fixtures' tensor encoding (hex bit patterns are
// authoritative), comparing results bit for bit or within a ulp tolerance, comparing errors.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "losslab/status.hpp"
#include "losslab/tensor.hpp"
#include "test_util.hpp"

namespace losslab::golden {

using json = nlohmann::json;

// A decoded golden tensor; owns its storage, view() points into it.
struct Decoded {
  DType dtype = DType::Float32;
  Shape shape;
  std::vector<float> f32;
  std::vector<double> f64;
  std::vector<int64_t> i64;
  std::vector<int32_t> i32;
  std::vector<char> b8;  // bool, one byte each
  TensorView view() const {
    const void* p = nullptr;
    switch (dtype) {
      case DType::Float32: p = f32.data(); break;
      case DType::Float64: p = f64.data(); break;
      case DType::Int64: p = i64.data(); break;
      case DType::Int32: p = i32.data(); break;
      case DType::Bool: p = b8.data(); break;
    }
    return TensorView{dtype, shape, p};
  }
};

inline double json_number(const json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "nan") return std::nan("");
    if (s == "inf") return HUGE_VAL;
    if (s == "-inf") return -HUGE_VAL;
    ADD_FAILURE() << "bad number string " << s;
    return 0;
  }
  return v.get<double>();
}

// Floats come from "hex" (the authoritative bit patterns), integers from "values".
inline Decoded decode(const json& t) {
  Decoded d;
  auto dt = dtype_from_name(t.at("dtype").get<std::string>());
  if (!dt) {
    ADD_FAILURE() << "unknown dtype " << t.at("dtype");
    return d;
  }
  d.dtype = *dt;
  d.shape = t.at("shape").get<Shape>();
  const json& vals = t.at("values");
  switch (d.dtype) {
    case DType::Float32:
      if (t.contains("hex")) {
        for (const json& h : t["hex"]) {
          const uint32_t u =
              static_cast<uint32_t>(std::strtoul(h.get<std::string>().c_str(), nullptr, 16));
          float f;
          std::memcpy(&f, &u, sizeof f);
          d.f32.push_back(f);
        }
      } else {
        for (const json& v : vals) d.f32.push_back(static_cast<float>(json_number(v)));
      }
      break;
    case DType::Float64:
      if (t.contains("hex")) {
        for (const json& h : t["hex"]) {
          const uint64_t u = std::strtoull(h.get<std::string>().c_str(), nullptr, 16);
          double f;
          std::memcpy(&f, &u, sizeof f);
          d.f64.push_back(f);
        }
      } else {
        for (const json& v : vals) d.f64.push_back(json_number(v));
      }
      break;
    case DType::Int64:
      for (const json& v : vals)  // (beyond 2^53 some fixtures write decimal strings)
        d.i64.push_back(v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>());
      break;
    case DType::Int32:
      for (const json& v : vals) d.i32.push_back(v.get<int32_t>());
      break;
    case DType::Bool:
      for (const json& v : vals) d.b8.push_back(v.get<bool>() ? 1 : 0);
      break;
  }
  return d;
}

// Distance in units in the last place (float32 or float64), after mapping the bit patterns to
// a monotone integer line (+0 and -0 coincide).
inline int64_t ulp_distance(double a, double b, DType dtype) {
  if (dtype == DType::Float32)
    return test::ulp_distance(static_cast<float>(a), static_cast<float>(b));
  return test::ulp_distance(a, b);
}

inline bool same_bits(double a, double b, DType dtype) {
  if (dtype == DType::Float32) {
    const float fa = static_cast<float>(a), fb = static_cast<float>(b);
    return std::memcmp(&fa, &fb, sizeof fa) == 0;
  }
  return std::memcmp(&a, &b, sizeof a) == 0;
}

inline double element(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::Float32: return t.as<float>()[i];
    case DType::Float64: return t.as<double>()[i];
    case DType::Int64: return static_cast<double>(t.as<int64_t>()[i]);
    case DType::Int32: return t.as<int32_t>()[i];
    case DType::Bool: return t.as<bool>()[i] ? 1 : 0;
  }
  return 0;
}

inline double element(const Decoded& d, int64_t i) {
  switch (d.dtype) {
    case DType::Float32: return d.f32[static_cast<std::size_t>(i)];
    case DType::Float64: return d.f64[static_cast<std::size_t>(i)];
    case DType::Int64: return static_cast<double>(d.i64[static_cast<std::size_t>(i)]);
    case DType::Int32: return d.i32[static_cast<std::size_t>(i)];
    case DType::Bool: return d.b8[static_cast<std::size_t>(i)];
  }
  return 0;
}

struct Tolerance {
  bool exact = false;      // bit for bit (NaN matches any NaN: wasm's NaN sign differs)
  bool zero_sign = false;  // with a tolerance, still require the sign of an expected zero
  int64_t max_ulp = 8;
  double rel = 1e-6;  // |a - b| <= rel * max(1, |b|)
};

// Compares a result with an expected golden tensor; NaN/±Inf patterns must be identical.
inline void expect_tensor(const Tensor& got, const json& want_json, const Tolerance& tol,
                          const std::string& what) {
  const Decoded want = decode(want_json);
  ASSERT_EQ(dtype_name(got.dtype()), std::string(dtype_name(want.dtype))) << what << ": dtype";
  ASSERT_EQ(shape_str(got.shape()), shape_str(want.shape)) << what << ": shape";
  const int64_t n = got.numel();
  int failures = 0;
  for (int64_t i = 0; i < n && failures < 8; ++i) {
    const double a = element(got, i), b = element(want, i);
    bool ok;
    if (std::isnan(a) || std::isnan(b)) {
      ok = std::isnan(a) && std::isnan(b);
    } else if (std::isinf(a) || std::isinf(b)) {
      ok = a == b;
    } else if (tol.exact) {
      ok = same_bits(a, b, want.dtype);
    } else {
      ok = ulp_distance(a, b, want.dtype) <= tol.max_ulp ||
           std::fabs(a - b) <= tol.rel * std::max(1.0, std::fabs(b));
      if (ok && tol.zero_sign && b == 0) ok = std::signbit(a) == std::signbit(b);
    }
    if (!ok) {
      ++failures;
      ADD_FAILURE() << what << "[" << i << "]: got " << a << ", expected " << b << " ("
                    << ulp_distance(a, b, want.dtype) << " ulp"
                    << (tol.exact ? ", bit-exact required)" : ")");
    }
  }
}

inline void expect_error(const Error& got, const json& want, const std::string& what) {
  EXPECT_EQ(got.type, want.at("type").get<std::string>()) << what;
  EXPECT_EQ(got.message, want.at("message").get<std::string>()) << what;
}

}  // namespace losslab::golden
