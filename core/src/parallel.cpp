// The thread pool behind parallel_for (parallel.hpp). One job at a time: the caller publishes
// it, workers and the caller claim task indices from one atomic counter, and the caller returns
// once every worker that joined the job has left it. The caller never waits for a task nobody
// claimed, so a worker that is slow to start (a wasm worker still loading) only means fewer hands.
#include "losslab/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#if LOSSLAB_THREADS
#include <pthread.h>
#endif

namespace losslab {

#if LOSSLAB_THREADS
namespace {

struct Job {
  detail::TaskFn fn;
  const void* ctx;
  int64_t ntasks;
  std::atomic<int64_t> next{0};
  int active = 0;  // workers inside this job (guarded by Pool::mu)
};

thread_local bool t_in_task = false;

void work(Job& j) {
  const bool outer = t_in_task;
  t_in_task = true;
  for (int64_t t; (t = j.next.fetch_add(1, std::memory_order_relaxed)) < j.ntasks;) j.fn(j.ctx, t);
  t_in_task = outer;
}

class Pool {
 public:
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  int resize(int n) {
    std::lock_guard<std::mutex> run(run_mu_);
    stop_all();
    for (int i = 1; i < n; ++i) {
      pthread_t th;
      if (pthread_create(&th, nullptr, &Pool::main, this) != 0) break;
      workers_.push_back(th);
    }
    return size();
  }

  void run(int64_t ntasks, detail::TaskFn fn, const void* ctx) {
    std::lock_guard<std::mutex> run(run_mu_);  // one job at a time
    Job job{fn, ctx, ntasks};
    {
      std::lock_guard<std::mutex> lk(mu_);
      cur_ = &job;
      ++gen_;
    }
    work_cv_.notify_all();
    work(job);
    std::unique_lock<std::mutex> lk(mu_);
    cur_ = nullptr;  // no worker joins after this
    done_cv_.wait(lk, [&] { return job.active == 0; });
  }

  ~Pool() { stop_all(); }

 private:
  static void* main(void* self) {
    static_cast<Pool*>(self)->loop();
    return nullptr;
  }

  void loop() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      work_cv_.wait(lk, [&] { return stop_ || (gen_ != seen && cur_ != nullptr); });
      if (stop_) return;
      seen = gen_;
      Job* j = cur_;
      ++j->active;
      lk.unlock();
      work(*j);
      lk.lock();
      if (--j->active == 0) done_cv_.notify_all();
    }
  }

  void stop_all() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (pthread_t th : workers_) pthread_join(th, nullptr);
    workers_.clear();
    stop_ = false;
  }

  std::mutex run_mu_;  // serialises jobs and resizes
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::vector<pthread_t> workers_;
  Job* cur_ = nullptr;
  uint64_t gen_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

std::atomic<int> g_threads{1};

}  // namespace

bool threads_built() { return true; }
int num_threads() { return g_threads.load(std::memory_order_relaxed); }

int set_num_threads(int n) {
  n = std::clamp(n, 1, kMaxThreads);
  if (n == num_threads()) return n;
  const int got = pool().resize(n);
  g_threads.store(got, std::memory_order_relaxed);
  return got;
}

void detail::parallel_run(int64_t ntasks, TaskFn fn, const void* ctx) {
  if (t_in_task || num_threads() <= 1) {
    for (int64_t t = 0; t < ntasks; ++t) fn(ctx, t);
    return;
  }
  pool().run(ntasks, fn, ctx);
}

#else  // a build without threads

bool threads_built() { return false; }
int num_threads() { return 1; }
int set_num_threads(int) { return 1; }
void detail::parallel_run(int64_t ntasks, TaskFn fn, const void* ctx) {
  for (int64_t t = 0; t < ntasks; ++t) fn(ctx, t);
}

#endif

}  // namespace losslab
