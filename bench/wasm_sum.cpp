// The memory-bandwidth stick of the browser bench: a standalone wasm module (no Emscripten
// runtime) that streams over the same bytes a loss reads and adds them as i32x4 lanes, four
// independent accumulators, 64 bytes per iteration. Integer adds: no denormal or NaN slow paths
// whatever the bytes are (class-index targets reinterpret as tiny floats), so its time is the
// cost of reading the bytes, which no loss can beat.
//   em++ -O3 -msimd128 --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wasm_sum.hpp"

extern "C" {

__attribute__((export_name("alloc"))) void* alloc(size_t n) { return std::malloc(n); }
__attribute__((export_name("release"))) void release(void* p) { std::free(p); }

// Sum (mod 2**32) of nbytes / 4 words from p (p 16-byte aligned).
__attribute__((export_name("sum_i32"))) uint32_t sum_i32(const uint32_t* p, size_t nbytes) {
  return sum_i32_kernel(p, nbytes);
}

}  // extern "C"
