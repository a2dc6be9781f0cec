#include "util/ordered_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hart {
namespace {

auto all = [](size_t) { return true; };

TEST(RunOrdered, ConsumesEveryWantedItemInOrderOnTheCallingThread) {
  const auto caller = std::this_thread::get_id();
  std::vector<size_t> consumed;
  std::mutex m;
  std::set<std::thread::id> workers;
  run_ordered<std::string>(
      200, 4, 8, [](size_t i) { return i % 3 != 0; },
      [&] {
        return [&](size_t i) {
          {
            std::lock_guard<std::mutex> lock(m);
            workers.insert(std::this_thread::get_id());
          }
          // Later items finish first now and then: the order must still hold.
          if (i % 7 == 1) std::this_thread::sleep_for(std::chrono::microseconds(200));
          return std::to_string(i * i);
        };
      },
      [&](size_t i, std::string& r) {
        EXPECT_EQ(std::this_thread::get_id(), caller);
        EXPECT_EQ(r, std::to_string(i * i));
        consumed.push_back(i);
      });
  std::vector<size_t> expected;
  for (size_t i = 0; i < 200; ++i)
    if (i % 3 != 0) expected.push_back(i);
  EXPECT_EQ(consumed, expected);
  EXPECT_EQ(workers.count(caller), 0u);
}

TEST(RunOrdered, MakesOneWorkerPerThreadAndHoldsAtMostWindowItems) {
  std::atomic<int> made{0}, held{0}, most{0};
  run_ordered<int>(
      100, 3, 4, all,
      [&] {
        ++made;
        return [&](size_t i) {
          int now = ++held;
          for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
          }
          return static_cast<int>(i);
        };
      },
      [&](size_t, int&) { --held; });
  EXPECT_EQ(made.load(), 3);
  EXPECT_LE(most.load(), 4);
  EXPECT_GE(most.load(), 1);
}

TEST(RunOrdered, NothingWantedOrNothingAtAll) {
  int consumed = 0;
  run_ordered<int>(
      50, 2, 4, [](size_t) { return false; }, [] { return [](size_t i) { return int(i); }; },
      [&](size_t, int&) { ++consumed; });
  run_ordered<int>(
      0, 2, 4, all, [] { return [](size_t i) { return int(i); }; }, [&](size_t, int&) { ++consumed; });
  EXPECT_EQ(consumed, 0);
}

TEST(RunOrdered, AnErrorFromConsumeStopsTheWorkersAndIsRethrown) {
  std::atomic<int> prepared{0};
  std::vector<size_t> consumed;
  EXPECT_THROW(run_ordered<int>(
                   100000, 2, 4, all,
                   [&] {
                     return [&](size_t i) {
                       ++prepared;
                       return int(i);
                     };
                   },
                   [&](size_t i, int&) {
                     consumed.push_back(i);
                     if (i == 5) throw std::runtime_error("disk full");
                   }),
               std::runtime_error);
  EXPECT_EQ(consumed.size(), 6u);
  EXPECT_LE(prepared.load(), 6 + 4);  // the window bounds the work done past the error
}

TEST(RunOrdered, AnErrorFromMakeWorkerIsRethrown) {
  int consumed = 0;
  try {
    run_ordered<int>(
        10, 2, 4, all,
        []() -> std::function<int(size_t)> { throw std::runtime_error("no connection"); },
        [&](size_t, int&) { ++consumed; });
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "no connection");
  }
  EXPECT_EQ(consumed, 0);
}

}  // namespace
}  // namespace hart
