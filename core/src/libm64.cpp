// Correctly rounded double log/sin/cos via double-double arithmetic (~106-bit intermediate
// precision, then one rounding). Error-free transformations only (two_sum, Dekker's product),
// so the result is the same on every IEEE-754 target, with or without hardware FMA.
#include "losslab/detail/libm64.hpp"

#include <cmath>
#include <limits>

namespace losslab::detail {
namespace {

struct dd {
  double hi, lo;
};

inline dd two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}
inline dd quick_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}
inline void split(double a, double& hi, double& lo) {
  const double t = 134217729.0 * a;  // 2**27 + 1
  hi = t - (t - a);
  lo = a - hi;
}
inline dd two_prod(double a, double b) {
  const double p = a * b;
  double ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  return {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
}
inline dd add(dd a, dd b) {
  dd s = two_sum(a.hi, b.hi);
  dd t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = quick_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return quick_two_sum(s.hi, s.lo);
}
inline dd neg(dd a) { return {-a.hi, -a.lo}; }
inline dd mul(dd a, dd b) {
  dd p = two_prod(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return quick_two_sum(p.hi, p.lo);
}
inline dd mul_d(dd a, double b) {
  dd p = two_prod(a.hi, b);
  p.lo += a.lo * b;
  return quick_two_sum(p.hi, p.lo);
}
inline dd div(dd a, dd b) {
  const double q1 = a.hi / b.hi;
  dd r = add(a, neg(mul_d(b, q1)));
  const double q2 = r.hi / b.hi;
  r = add(r, neg(mul_d(b, q2)));
  const double q3 = r.hi / b.hi;
  return add(quick_two_sum(q1, q2), dd{q3, 0.0});
}
inline double round_dd(dd a) { return a.hi + a.lo; }

constexpr dd kLn2{0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56};
// pi/2 in three parts (fdlibm's pio2_1, pio2_2, pio2_3 with their tails).
constexpr double kPio2_1 = 0x1.921fb54442d18p0;
constexpr double kPio2_2 = 0x1.1a62633145c07p-54;
constexpr double kPio2_3 = -0x1.f1976b7ed8fbcp-110;

// 1/k for odd k and 1/k! as double-double, built once with double-double division.
struct Tables {
  dd inv_odd[40];
  dd inv_fact[40];
  Tables() {
    for (int j = 0; j < 40; ++j) inv_odd[j] = div(dd{1.0, 0.0}, dd{2.0 * j + 1.0, 0.0});
    dd f{1.0, 0.0};
    inv_fact[0] = f;
    for (int k = 1; k < 40; ++k) {
      f = div(f, dd{static_cast<double>(k), 0.0});
      inv_fact[k] = f;
    }
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}

// sin and cos of a reduced |r| <= pi/4 (+ tiny), Taylor series in double-double.
dd sin_dd(dd r) {
  const Tables& t = tables();
  const dd r2 = mul(r, r);
  // Horner on sum_{j>=0} (-1)^j r^(2j+1)/(2j+1)!
  dd s{0.0, 0.0};
  for (int j = 14; j >= 0; --j) {
    const dd c = (j % 2) ? neg(t.inv_fact[2 * j + 1]) : t.inv_fact[2 * j + 1];
    s = add(mul(s, r2), c);
  }
  return mul(s, r);
}
dd cos_dd(dd r) {
  const Tables& t = tables();
  const dd r2 = mul(r, r);
  dd s{0.0, 0.0};
  for (int j = 14; j >= 0; --j) {
    const dd c = (j % 2) ? neg(t.inv_fact[2 * j]) : t.inv_fact[2 * j];
    s = add(mul(s, r2), c);
  }
  return s;
}

// x - n*pi/2 in double-double, quadrant n mod 4.
dd reduce(double x, int& quadrant) {
  const double n = std::nearbyint(x * 0x1.45f306dc9c883p-1);  // x * 2/pi
  dd r = add(dd{x, 0.0}, neg(two_prod(n, kPio2_1)));
  r = add(r, neg(two_prod(n, kPio2_2)));
  r = add(r, neg(two_prod(n, kPio2_3)));
  quadrant = static_cast<int>(static_cast<long long>(n) & 3);
  return r;
}

}  // namespace

double cr_log(double x) {
  if (!(x > 0.0) || std::isinf(x)) {
    if (x == 0.0) return -std::numeric_limits<double>::infinity();
    if (std::isnan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
    return x;  // +inf
  }
  if (x == 1.0) return 0.0;
  int k = 0;
  double m = std::frexp(x, &k);  // x = m * 2**k, m in [0.5, 1)
  if (m < 0.70710678118654752) {
    m *= 2.0;
    --k;
  }
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1); m - 1 is exact (Sterbenz).
  const dd s = div(dd{m - 1.0, 0.0}, two_sum(m, 1.0));
  const dd s2 = mul(s, s);
  const Tables& t = tables();
  dd p{0.0, 0.0};
  for (int j = 30; j >= 0; --j) p = add(mul(p, s2), t.inv_odd[j]);
  dd lm = mul_d(mul(p, s), 2.0);
  return round_dd(add(mul_d(kLn2, static_cast<double>(k)), lm));
}

double cr_sin(double x) {
  if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  if (std::fabs(x) < 0x1p-26) return x;  // sin x = x - x^3/6: rounds to x
  int q = 0;
  const dd r = reduce(x, q);
  switch (q) {
    case 0: return round_dd(sin_dd(r));
    case 1: return round_dd(cos_dd(r));
    case 2: return -round_dd(sin_dd(r));
    default: return -round_dd(cos_dd(r));
  }
}

double cr_cos(double x) {
  if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  if (std::fabs(x) < 0x1p-27) return 1.0;
  int q = 0;
  const dd r = reduce(x, q);
  switch (q) {
    case 0: return round_dd(cos_dd(r));
    case 1: return -round_dd(sin_dd(r));
    case 2: return -round_dd(cos_dd(r));
    default: return round_dd(sin_dd(r));
  }
}

#ifndef __EMSCRIPTEN__
double libm_log(double x) { return std::log(x); }
double libm_sin(double x) { return std::sin(x); }
double libm_cos(double x) { return std::cos(x); }
#endif

}  // namespace losslab::detail
