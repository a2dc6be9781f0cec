#include "tensor/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "util/error.h"

namespace hart::tensor {
namespace {

TEST(ThreadPool, ZeroThreadsIsAnErrorNamingTheValue) {
  try {
    ThreadPool pool(0);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("got 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ThreadPool(-3), UsageError);
}

TEST(ThreadPool, OneThreadRunsInline) {
  ThreadPool pool(1);
  const auto caller = std::this_thread::get_id();
  std::vector<size_t> order;
  pool.run(5, [&](size_t t) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    order.push_back(t);
  });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

TEST(ThreadPool, EveryTaskRunsOncePerJob) {
  for (int threads : {2, 3, 8}) {
    ThreadPool pool(threads);
    for (size_t tasks : {0, 1, 2, 3, 7, 8, 33}) {
      for (int job = 0; job < 50; ++job) {
        std::vector<std::atomic<int>> seen(tasks);
        pool.run(tasks, [&](size_t t) { seen[t].fetch_add(1); });
        for (size_t t = 0; t < tasks; ++t) ASSERT_EQ(seen[t].load(), 1) << "task " << t << " job " << job;
      }
    }
  }
}

TEST(ThreadPool, ParallelForCoversEachIndexOnce) {
  for (int threads : {1, 2, 3, 8})
    for (size_t n : {0, 1, 2, 5, 7, 64, 1001})
      for (size_t grain : {1, 4, 32}) {
        ThreadPool pool(threads);
        std::vector<std::atomic<int>> hits(n);
        pool.parallel_for(n, grain, [&](size_t b, size_t e) {
          EXPECT_LT(b, e);
          EXPECT_TRUE(b % grain == 0) << b;
          for (size_t i = b; i < e; ++i) hits[i].fetch_add(1);
        });
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i << " n " << n << " threads " << threads;
      }
}

TEST(ThreadPool, ExceptionsReachTheCaller) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.run(6, [](size_t t) {
    if (t == 2) throw std::runtime_error("boom");
  }),
               std::runtime_error);
  std::atomic<int> ok{0};
  pool.run(6, [&](size_t) { ++ok; });  // still usable
  EXPECT_EQ(ok.load(), 6);
}

TEST(ThreadPool, SleepingWorkersWakeUp) {
  ThreadPool pool(2, /*spin_us=*/0);  // workers sleep at once
  std::atomic<int> sum{0};
  for (int i = 0; i < 100; ++i) {
    pool.run(2, [&](size_t t) { sum += int(t) + 1; });
    if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(sum.load(), 300);
}

// Reports the cost of one dispatch of `threads` empty tasks (what each kernel call pays on top of
// its work). Generous bound: only catches a broken hand-off (e.g. a sleep per job).
TEST(ThreadPool, DispatchOverhead) {
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    const int jobs = 20000;
    std::atomic<long> sink{0};
    for (int i = 0; i < 1000; ++i) pool.run(threads, [&](size_t t) { sink += long(t); });
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < jobs; ++i) pool.run(threads, [&](size_t t) { sink.fetch_add(long(t), std::memory_order_relaxed); });
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / jobs;
    std::printf("[ dispatch ] %d thread(s): %.3f us per empty job\n", threads, us);
    EXPECT_LT(us, 200.0);
  }
}

TEST(SharedPool, TheFullCountIsTheProcessPool) {
  EXPECT_GE(hardware_threads(), 1);
  std::shared_ptr<ThreadPool> a = process_pool(), b = shared_pool(hardware_threads());
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->size(), hardware_threads());
}

TEST(SharedPool, MoreThreadsThanCoresAreCapped) {
  std::shared_ptr<ThreadPool> p = shared_pool(4 * hardware_threads() + 3);
  EXPECT_EQ(p->size(), hardware_threads());
  EXPECT_EQ(p.get(), process_pool().get());
}

TEST(SharedPool, SameCountSameObjectWhileHeld) {
  std::shared_ptr<ThreadPool> one = shared_pool(1), again = shared_pool(1);
  EXPECT_EQ(one.get(), again.get());
  EXPECT_EQ(one->size(), 1);
  int sum = 0;
  one->run(3, [&](size_t t) { sum += int(t); });
  EXPECT_EQ(sum, 3);
}

TEST(SharedPool, BadCountIsAnErrorNamingTheValue) {
  try {
    shared_pool(0);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("got 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(shared_pool(-2), UsageError);
}

}  // namespace
}  // namespace hart::tensor
