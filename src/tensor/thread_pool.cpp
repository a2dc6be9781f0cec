// The pool's hand-off. A job is published by storing its first task in `next_` and
// bumping `generation_`; workers poll `generation_` (with PAUSE) for spin_ns_ and
// then block on it with a futex. The caller notifies
// only when a worker sleeps, so a hot pool costs no system call per job. Tasks are
// claimed by compare-and-swap on `next_`, whose high half names the job, so a late
// worker can never take a task of a newer job. The caller waits (spin, then sleep)
// until `done_` counts every task.
#include "tensor/thread_pool.h"

#include <chrono>
#include <map>
#include <string>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "util/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HART_PAUSE() _mm_pause()
#else
#define HART_PAUSE() ((void)0)
#endif

namespace hart::tensor {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Spins until pred() or spin_ns elapse; true when pred() came true.
template <class P>
bool spin_until(P pred, int64_t spin_ns) {
  if (pred()) return true;
  const int64_t start = now_ns();
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      HART_PAUSE();
      if (pred()) return true;
    }
    if (now_ns() - start > spin_ns) return false;
  }
}

// Sleeps while *a == old. Raw futexes on Linux: libstdc++ 12's std::atomic::wait
// lost wake-ups here (its notify skips the system call by a shared waiter count).
void wait_while(std::atomic<uint32_t>& a, uint32_t old) {
#if defined(__linux__)
  while (a.load() == old) syscall(SYS_futex, reinterpret_cast<uint32_t*>(&a), FUTEX_WAIT_PRIVATE, old, nullptr, nullptr, 0);
#else
  a.wait(old);
#endif
}

void wake_all(std::atomic<uint32_t>& a) {
#if defined(__linux__)
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&a), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
#else
  a.notify_all();
#endif
}

[[noreturn]] void throw_bad_thread_count(int n) {
  throw UsageError("thread pool: thread count must be at least 1, got " + std::to_string(n));
}

}  // namespace

ThreadPool::ThreadPool(int n_threads, int spin_us) : n_(n_threads), spin_ns_(int64_t(spin_us) * 1000) {
  if (n_threads < 1) throw_bad_thread_count(n_threads);
  if (spin_us < 0) throw UsageError("thread pool: spin time must be >= 0 us, got " + std::to_string(spin_us));
  threads_.reserve(n_ - 1);
  for (int i = 1; i < n_; ++i) threads_.emplace_back([this] { worker(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  generation_.fetch_add(1);
  wake_all(generation_);
  for (auto& t : threads_) t.join();
}

void ThreadPool::take_tasks(uint32_t job) {
  const uint64_t tag = uint64_t(job) << 32;
  for (uint64_t v = next_.load(std::memory_order_acquire);;) {
    if ((v & ~uint64_t(0xFFFFFFFF)) != tag) return;  // a later job: not ours to take
    // acquire: a new count implies the close above is visible, so the CAS below fails.
    const size_t task = v & 0xFFFFFFFF, total = n_tasks_.load(std::memory_order_acquire);
    if (task >= total) return;
    if (!next_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel)) continue;
    try {
      fn_.load(std::memory_order_relaxed)(ctx_.load(std::memory_order_relaxed), task);
    } catch (...) {
      if (!failed_.exchange(true)) error_ = std::current_exception();
    }
    if (done_.fetch_add(1) + 1 == total && caller_sleeping_.load()) wake_all(done_);
    v = next_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker() {
  uint32_t seen = 0;
  for (;;) {
    auto changed = [&] { return generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(changed, spin_ns_)) {
      sleepers_.fetch_add(1);  // seq_cst: either the caller sees us asleep or we see its bump
      wait_while(generation_, seen);
      sleepers_.fetch_sub(1);
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    take_tasks(seen);
  }
}

void ThreadPool::run_raw(size_t n_tasks, Fn fn, void* ctx) {
  if (n_tasks == 0) return;
  if (n_ == 1 || n_tasks == 1) {  // inline: no hand-off at all
    for (size_t t = 0; t < n_tasks; ++t) fn(ctx, t);
    return;
  }
  if (n_tasks >= 0xFFFFFFFF) throw Error("thread pool: too many tasks in one job: " + std::to_string(n_tasks));
  std::lock_guard<std::mutex> lock(run_mutex_);
  const uint32_t job = generation_.load(std::memory_order_relaxed) + 1;
  // Close the previous job before touching its state: a worker still holding the old
  // job's tag must not pair it with the new task count (it would run a task twice).
  next_.store((uint64_t(job) << 32) | 0xFFFFFFFFu);
  fn_.store(fn, std::memory_order_relaxed);
  ctx_.store(ctx, std::memory_order_relaxed);
  failed_.store(false, std::memory_order_relaxed);
  error_ = nullptr;
  done_.store(0, std::memory_order_relaxed);
  n_tasks_.store(n_tasks, std::memory_order_release);
  next_.store(uint64_t(job) << 32, std::memory_order_release);
  generation_.store(job);  // seq_cst: orders the sleepers_ check below
  if (sleepers_.load() > 0) wake_all(generation_);
  take_tasks(job);
  auto done = [&] { return done_.load(std::memory_order_acquire) == n_tasks; };
  if (!spin_until(done, spin_ns_)) {
    caller_sleeping_.store(true);
    for (uint32_t d; (d = done_.load()) != n_tasks;) wait_while(done_, d);
    caller_sleeping_.store(false);
  }
  if (failed_.load()) std::rethrow_exception(error_);
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

std::shared_ptr<ThreadPool> process_pool() {
  static const std::shared_ptr<ThreadPool> pool = std::make_shared<ThreadPool>(hardware_threads());
  return pool;
}

std::shared_ptr<ThreadPool> shared_pool(int threads) {
  if (threads < 1) throw_bad_thread_count(threads);
  const int n = std::min(threads, hardware_threads());
  if (n == hardware_threads()) return process_pool();
  static std::mutex mutex;
  static std::map<int, std::weak_ptr<ThreadPool>> pools;  // smaller pools, alive while held
  std::lock_guard<std::mutex> lock(mutex);
  std::weak_ptr<ThreadPool>& slot = pools[n];
  std::shared_ptr<ThreadPool> pool = slot.lock();
  if (!pool) slot = pool = std::make_shared<ThreadPool>(n);
  return pool;
}

}  // namespace hart::tensor
