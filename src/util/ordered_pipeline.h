// Work items prepared on several threads and consumed on the calling thread in
// their original order: the shape of a parallel ingest, where extraction runs on
// every core while one thread owns the database and commits file after file.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace hart {

// Runs prepare(i) for every i in [0, n) with wanted(i) on `threads` worker threads
// and consume(i, result) on the calling thread in increasing i. At most `window`
// items are handed out and not yet consumed, which bounds the results held at once.
// `make_worker` is called once on each worker thread and returns that thread's
// prepare function (so per-thread state, such as a connection, lives in its closure).
// An exception from consume() stops the workers and is rethrown; prepare() must not
// throw (it reports failures in its result); wanted() is called under a lock from
// any thread.
template <class Result>
void run_ordered(size_t n, unsigned threads, size_t window, const std::function<bool(size_t)>& wanted,
                 const std::function<std::function<Result(size_t)>()>& make_worker,
                 const std::function<void(size_t, Result&)>& consume) {
  std::mutex m;
  std::condition_variable changed;
  std::vector<std::optional<Result>> results(n);
  size_t next = 0, in_flight = 0;  // next index to hand out; handed out, not yet consumed
  bool stop = false;
  std::exception_ptr worker_error;

  auto work = [&] {
    std::function<Result(size_t)> prepare;
    try {
      prepare = make_worker();
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      if (!worker_error) worker_error = std::current_exception();
      stop = true;
      changed.notify_all();
      return;
    }
    for (;;) {
      size_t i;
      {
        std::unique_lock<std::mutex> lock(m);
        changed.wait(lock, [&] {
          while (next < n && !wanted(next)) ++next;
          return stop || next >= n || in_flight < window;
        });
        if (stop || next >= n) return;
        i = next++;
        ++in_flight;
      }
      Result r = prepare(i);
      std::lock_guard<std::mutex> lock(m);
      results[i].emplace(std::move(r));
      changed.notify_all();
    }
  };

  std::vector<std::thread> pool;
  auto finish = [&] {
    {
      std::lock_guard<std::mutex> lock(m);
      stop = true;
    }
    changed.notify_all();
    for (std::thread& t : pool) t.join();
  };
  try {
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    for (size_t i = 0; i < n; ++i) {
      if (!wanted(i)) continue;
      std::optional<Result> r;
      {
        std::unique_lock<std::mutex> lock(m);
        changed.wait(lock, [&] { return results[i].has_value() || worker_error; });
        if (!results[i]) std::rethrow_exception(worker_error);
        r = std::move(results[i]);
        results[i].reset();
      }
      consume(i, *r);
      {
        std::lock_guard<std::mutex> lock(m);
        --in_flight;
      }
      changed.notify_all();
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

}  // namespace hart
