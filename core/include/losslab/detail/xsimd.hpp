// xsimd, included the one way the core does it (only when LOSSLAB_HAVE_SIMD; the scalar build
// has no xsimd at all).
#pragma once

#if LOSSLAB_HAVE_SIMD
// GCC 12's AVX-512 intrinsics (`__m512 __Y = __Y;` in _mm512_undefined_ps) trip a false
// -W[maybe-]uninitialized once xsimd::log/exp are inlined (GCC bug 105593, fixed in 12.3/13).
// The warning is attributed to the intrinsics header, so ignoring it around the include is
// enough, provided this is the first include of <immintrin.h> in the translation unit.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif
