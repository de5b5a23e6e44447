// The memory-bandwidth stick on every core: the wasm sum's kernel (wasm_sum.hpp) over chunks of
// 65,536 words run on the core's own thread pool (losslab::parallel_for, the pool and the chunk
// size the losslab-simd-threads build uses), so the threaded losses' time can be set against
// what reading their bytes costs with all threads. An Emscripten pthreads program (its workers
// started with the module, Module.sumWorkers of them), linked against the threaded core
// (build/wasm-threads); bench.sh builds it:
//   em++ -O3 -msimd128 -pthread -I core/include bench/wasm_sum_threads.cpp \
//     build/wasm-threads/core/liblosslab_core.a -sMODULARIZE -sEXPORT_ES6 ... (see bench.sh)
#include <cstddef>
#include <cstdint>
#include <vector>

#include "losslab/parallel.hpp"
#include "wasm_sum.hpp"

namespace {
constexpr size_t kChunkWords = 65536;
std::vector<uint32_t>
    g_partial;  // one per chunk, sized before the threads run (no heap use in tasks)
}  // namespace

extern "C" {

// The threads the sums use (returns the count in effect).
int sum_threads(int n) { return losslab::set_num_threads(n); }

// Sum (mod 2**32) of nbytes / 4 words from p (16-byte aligned), chunk by chunk on the pool.
uint32_t sum_i32_threads(const uint32_t* p, size_t nbytes) {
  const size_t n = nbytes / 4, chunks = (n + kChunkWords - 1) / kChunkWords;
  if (g_partial.size() < chunks) g_partial.resize(chunks);
  uint32_t* part = g_partial.data();
  losslab::parallel_for(static_cast<int64_t>(chunks), [&](int64_t t) {
    const size_t i0 = static_cast<size_t>(t) * kChunkWords;
    const size_t m = n - i0 < kChunkWords ? n - i0 : kChunkWords;
    part[t] = sum_i32_kernel(p + i0, m * 4);
  });
  uint32_t s = 0;
  for (size_t t = 0; t < chunks; ++t) s += part[t];
  return s;
}

}  // extern "C"
