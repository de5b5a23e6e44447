// The wasm build's copy of the vector-math constants (see detail/kconst.hpp): a mutable global
// the optimiser of other translation units cannot fold, so V8 gets loads instead of v128.const.
#include "losslab/detail/kconst.hpp"

#if defined(__wasm__)
namespace losslab::detail {
MathConstants g_math_constants = kMathConstantsInit;
BasicConstants<float> g_basic_constants_f32 = kBasicConstantsInit<float>;
BasicConstants<double> g_basic_constants_f64 = kBasicConstantsInit<double>;
}  // namespace losslab::detail
#endif
