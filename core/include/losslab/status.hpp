// Errors as values (no C++ exceptions cross the wasm boundary: see docs/architecture.md).
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace losslab {

// type is PyTorch's Python exception class name: "RuntimeError", "ValueError", "IndexError",
// or "RangeError" for allocation failures (JS's name for out-of-memory).
struct Error {
  std::string type;
  std::string message;
};

inline Error runtime_error(std::string m) { return {"RuntimeError", std::move(m)}; }
inline Error value_error(std::string m) { return {"ValueError", std::move(m)}; }
inline Error index_error(std::string m) { return {"IndexError", std::move(m)}; }
inline Error oom_error(std::string what) {
  return {"RangeError", "out of memory: could not allocate " + std::move(what)};
}

template <class T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}      // NOLINT: implicit by design
  Result(Error e) : v_(std::move(e)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T&& take() { return std::move(std::get<0>(v_)); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace losslab
