// The double-precision log / sin / cos that torch's float64 and < 16-element normal paths use
// (glibc's, spec §5.3–5.4). Natively they are glibc's own. Emscripten's musl differs from glibc
// in the last bit for ~3 % of arguments, so wasm builds use correctly rounded versions computed
// in double-double arithmetic instead; glibc's are correctly rounded for all but very rare
// arguments (tests/cpp/libm64_test.cpp measures the agreement natively).
#pragma once

namespace losslab::detail {

double cr_log(double x);  // correctly rounded (double-double evaluation)
double cr_sin(double x);  // for |x| < 2**20
double cr_cos(double x);

#ifdef __EMSCRIPTEN__
inline double libm_log(double x) { return cr_log(x); }
inline double libm_sin(double x) { return cr_sin(x); }
inline double libm_cos(double x) { return cr_cos(x); }
#else
double libm_log(double x);
double libm_sin(double x);
double libm_cos(double x);
#endif

}  // namespace losslab::detail
