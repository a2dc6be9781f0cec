// A thread pool built for per-token latency: persistent workers that spin briefly
// and then sleep between jobs, and the calling thread working too. A job is a
// number of tasks; every thread takes the next untaken task until none are left,
// so a worker the OS has descheduled (a busy machine) delays only a task it has
// already started, never the whole job. Which thread runs a task varies; what a
// task computes must not depend on it (the kernels' results never do).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace hart::tensor {

class ThreadPool {
 public:
  // `n_threads` >= 1 counts the caller; 1 runs everything inline. Idle workers spin
  // for `spin_us` microseconds after a job before sleeping (futex), so back-to-back
  // kernel calls find them awake. Throws UsageError naming a bad count.
  explicit ThreadPool(int n_threads, int spin_us = 200);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_; }

  // Calls f(task) exactly once for each task in [0, n_tasks) and returns when all
  // have finished; the first exception thrown is rethrown here (tasks not yet
  // started still run). Calls from several threads are serialised; f must not call
  // run() on the same pool.
  template <class F>
  void run(size_t n_tasks, F&& f) {
    run_raw(n_tasks, [](void* ctx, size_t t) { (*static_cast<std::remove_reference_t<F>*>(ctx))(t); }, &f);
  }

  // Splits [0, n) into at most 4 * size() contiguous ranges of whole `grain`s (the
  // last may be shorter) and calls f(begin, end) once for each.
  template <class F>
  void parallel_for(size_t n, size_t grain, F&& f) {
    const size_t units = (n + grain - 1) / grain;
    const size_t tasks = std::min<size_t>(units, n_ == 1 ? 1 : 4 * size_t(n_));
    run(tasks, [&](size_t t) { f(std::min(n, units * t / tasks * grain), std::min(n, units * (t + 1) / tasks * grain)); });
  }

 private:
  using Fn = void (*)(void*, size_t);
  void run_raw(size_t n_tasks, Fn fn, void* ctx);
  void worker();
  void take_tasks(uint32_t job);

  const int n_;
  const int64_t spin_ns_;
  std::vector<std::thread> threads_;
  std::mutex run_mutex_;
  std::atomic<Fn> fn_{nullptr};
  std::atomic<void*> ctx_{nullptr};
  std::atomic<size_t> n_tasks_{0};
  alignas(64) std::atomic<uint32_t> generation_{0};  // the job id, bumped once per job
  alignas(64) std::atomic<uint64_t> next_{0};        // job id << 32 | next untaken task
  alignas(64) std::atomic<uint32_t> done_{0};        // tasks finished in this job
  alignas(64) std::atomic<int> sleepers_{0};         // workers blocked on generation_
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
};

// Logical CPUs of this machine (std::thread::hardware_concurrency, at least 1).
int hardware_threads();

// One executor per process, so that a server holding several models does not start
// a pool of every core per model: the pool of hardware_threads() threads, made on
// first use and kept until exit. Models take it by default.
std::shared_ptr<ThreadPool> process_pool();

// A pool of min(threads, hardware_threads()) threads: process_pool() for the full
// count, else one pool per count shared by every caller that asks for it while any
// holds it. A count below 1 is a UsageError naming it. A pool serialises the jobs of
// its callers (run()), so models sharing one never run more threads than it has.
std::shared_ptr<ThreadPool> shared_pool(int threads);

}  // namespace hart::tensor
