#include "util/progress.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace hart {
namespace {

TEST(FormatBytes, DecimalUnitsWithOneDecimal) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(999), "999 B");
  EXPECT_EQ(format_bytes(1000), "1.0 KB");
  EXPECT_EQ(format_bytes(1536000), "1.5 MB");
  EXPECT_EQ(format_bytes(2.5e9), "2.5 GB");
  EXPECT_EQ(format_bytes(3e12), "3.0 TB");
  EXPECT_EQ(format_bytes(5e15), "5000.0 TB");  // no unit past TB
}

TEST(FormatDuration, MinutesSecondsThenHours) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(0.4), "0:00");
  EXPECT_EQ(format_duration(0.6), "0:01");  // rounded
  EXPECT_EQ(format_duration(65), "1:05");
  EXPECT_EQ(format_duration(3599), "59:59");
  EXPECT_EQ(format_duration(3600), "1:00:00");
  EXPECT_EQ(format_duration(3 * 3600 + 7 * 60 + 9), "3:07:09");
}

// Records what a task tells its sink, in order.
class RecordingSink : public ProgressSink {
 public:
  std::vector<std::string> calls;
  void begin(std::string_view name, uint64_t total) override { add("begin " + std::string(name), total); }
  void status(std::string_view text) override { calls.push_back("status " + std::string(text)); }
  void advance(uint64_t bytes) override { add("advance", bytes); }
  void skip(uint64_t bytes) override { add("skip", bytes); }
  void message(std::string_view text) override { calls.push_back("message " + std::string(text)); }
  void end(bool completed) override { calls.push_back(completed ? "end completed" : "end stopped"); }

 private:
  void add(const std::string& what, uint64_t n) { calls.push_back(what + " " + std::to_string(n)); }
};

TEST(ProgressTask, ForwardsEveryCallAndEndsOnce) {
  RecordingSink sink;
  {
    ProgressTask task(&sink, "ingest m", 2000);
    task.status("1/2 files");
    task.advance(500);
    task.skip(300);
    task.message("x.bin: unreadable");
    task.finish();
    task.finish();
  }
  EXPECT_EQ(sink.calls, (std::vector<std::string>{"begin ingest m 2000", "status 1/2 files", "advance 500",
                                                  "skip 300", "message x.bin: unreadable", "end completed"}));
}

TEST(ProgressTask, UnfinishedTaskEndsAsStopped) {
  RecordingSink sink;
  try {
    ProgressTask task(&sink, "export", 10);
    task.advance(4);
    throw std::runtime_error("disk full");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(sink.calls, (std::vector<std::string>{"begin export 10", "advance 4", "end stopped"}));
}

TEST(ProgressTask, ANullSinkIsSilence) {
  ProgressTask task(nullptr, "quiet", 100);
  task.status("s");
  task.advance(1);
  task.skip(1);
  task.message("m");
  task.finish();
}

}  // namespace
}  // namespace hart
