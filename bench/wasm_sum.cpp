// The memory-bandwidth stick of the browser bench: a standalone wasm module (no Emscripten
// runtime) that streams over the same bytes a loss reads and adds them as i32x4 lanes, four
// independent accumulators, 64 bytes per iteration. Integer adds: no denormal or NaN slow paths
// whatever the bytes are (class-index targets reinterpret as tiny floats), so its time is the
// cost of reading the bytes, which no loss can beat.
//   em++ -O3 -msimd128 --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB
#include <wasm_simd128.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" {

__attribute__((export_name("alloc"))) void* alloc(size_t n) { return std::malloc(n); }
__attribute__((export_name("release"))) void release(void* p) { std::free(p); }

// Sum (mod 2**32) of nbytes / 4 words from p (p 16-byte aligned).
__attribute__((export_name("sum_i32"))) uint32_t sum_i32(const uint32_t* p, size_t nbytes) {
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

}  // extern "C"
