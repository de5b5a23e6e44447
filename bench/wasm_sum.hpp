// The wasm sum's kernel (bench/wasm_sum.cpp: one thread, bench/wasm_sum_threads.cpp: on the
// core's thread pool): words added as i32x4 lanes, four independent accumulators, 64 bytes per
// iteration.
#pragma once
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>

// Sum (mod 2**32) of nbytes / 4 words from p (p 16-byte aligned).
inline uint32_t sum_i32_kernel(const uint32_t* p, size_t nbytes) {
  v128_t a0 = wasm_i32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  const size_t n = nbytes / 4;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = wasm_i32x4_add(a0, wasm_v128_load(p + i));
    a1 = wasm_i32x4_add(a1, wasm_v128_load(p + i + 4));
    a2 = wasm_i32x4_add(a2, wasm_v128_load(p + i + 8));
    a3 = wasm_i32x4_add(a3, wasm_v128_load(p + i + 12));
  }
  a0 = wasm_i32x4_add(wasm_i32x4_add(a0, a1), wasm_i32x4_add(a2, a3));
  uint32_t s = wasm_u32x4_extract_lane(a0, 0) + wasm_u32x4_extract_lane(a0, 1) +
               wasm_u32x4_extract_lane(a0, 2) + wasm_u32x4_extract_lane(a0, 3);
  for (; i < n; ++i) s += p[i];
  return s;
}
