// The wasm build's copy of the vector-math constants (see detail/kconst.hpp): a mutable global
// the optimiser of other translation units cannot fold, so V8 gets loads instead of v128.const.
#include "losslab/detail/kconst.hpp"

#if defined(__wasm__)
namespace losslab::detail {
MathConstants g_math_constants = kMathConstantsInit;
// tmath::exp's (detail/torch_math.hpp): -L2U, -L2L, SLEEF's six coefficients, 1, 2^29 + 1.
double g_tmath_exp_k[10] = {-0.693145751953125,
                            double(-1.428606765330187045e-06f),
                            double(0.000198527617612853646278381f),
                            double(0.00139304355252534151077271f),
                            double(0.00833336077630519866943359f),
                            double(0.0416664853692054748535156f),
                            double(0.166666671633720397949219f),
                            0.5,
                            1.0,
                            536870913.0};
BasicConstants<float> g_basic_constants_f32 = kBasicConstantsInit<float>;
BasicConstants<double> g_basic_constants_f64 = kBasicConstantsInit<double>;
}  // namespace losslab::detail
#endif
