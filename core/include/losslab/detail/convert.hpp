// One element converted between dtypes as torch's x86 build converts it (Tensor.to, the dtype
// promotions of the broadcasting helpers): bool is `v != 0` (NaN is True); a float into an
// integer truncates toward zero, and NaN, ±inf or a value out of range give the integer's minimum
// (cvttss2si's "integer indefinite": defined here, where a C++ cast would be undefined); integers
// wrap modulo 2^bits; the rest is the C++ conversion.
#pragma once
#include <limits>
#include <type_traits>

namespace losslab::detail {

template <class To, class From>
To convert_value(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    // [min, max + 1) is exactly representable in From for int32 / int64
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double hi = -static_cast<double>(std::numeric_limits<To>::min());  // max + 1
    const double d = static_cast<double>(v);
    if (!(d > lo - 1.0 && d < hi)) return std::numeric_limits<To>::min();
    return static_cast<To>(d);
  } else if constexpr (std::is_integral_v<From> && std::is_integral_v<To>) {
    return static_cast<To>(static_cast<std::make_unsigned_t<To>>(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace losslab::detail
