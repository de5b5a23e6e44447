// The core's threads: a small pool that runs a fixed list of independent tasks.
//
// Determinism is the callers' part of the contract: work is cut into tasks whose boundaries
// depend on the problem size only (never on the thread count), each task writes its own results,
// and the calling thread combines them in task order. So a result is the same bits with 1, 2 or
// 16 threads, and the same as a build without threads (LOSSLAB_THREADS=0), which runs every task
// on the calling thread.
//
// The pool is plain POSIX threads (native builds, and Emscripten's pthreads, which are Web
// Workers over a shared memory); nothing here knows which. Tasks must not allocate from the
// heap in a wasm build (a worker that grows the memory leaves the JS side's views stale): the
// callers hand them caller-allocated buffers.
#pragma once
#include <cstdint>

namespace losslab {

// The most threads set_num_threads accepts.
constexpr int kMaxThreads = 16;

// Whether this build has threads (LOSSLAB_THREADS).
bool threads_built();
// The threads the parallel loops use now (1 = everything on the calling thread).
int num_threads();
// Asks for n threads (clamped to 1..kMaxThreads; 1 in a build without threads). Starts or stops
// workers as needed and returns the count in effect, which is smaller when the platform refused
// a thread (a wasm build whose worker pool is smaller than asked).
int set_num_threads(int n);

namespace detail {
using TaskFn = void (*)(const void* ctx, int64_t task);
// Runs fn(ctx, t) for every t in [0, ntasks) on the pool and the calling thread; returns when
// all have finished. Called from inside a task, it runs them on the calling thread.
void parallel_run(int64_t ntasks, TaskFn fn, const void* ctx);
}  // namespace detail

// f(t) for t in [0, ntasks), possibly on several threads at once.
template <class F>
void parallel_for(int64_t ntasks, const F& f) {
  if (ntasks <= 1 || num_threads() <= 1) {
    for (int64_t t = 0; t < ntasks; ++t) f(t);
    return;
  }
  detail::parallel_run(
      ntasks, [](const void* c, int64_t t) { (*static_cast<const F*>(c))(t); }, &f);
}

}  // namespace losslab
