#include "util/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

namespace hart {
namespace {

using ::testing::HasSubstr;
using ::testing::internal::CaptureStderr;
using ::testing::internal::GetCapturedStderr;

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

// ctest gives stderr no terminal, so these are the plain log lines.
TEST(Progress, QuietPrintsNothing) {
  if (isatty(2)) GTEST_SKIP() << "stderr is a terminal";
  CaptureStderr();
  {
    Progress p("quiet", 100, true);
    p.advance(50);
    p.finish();
  }
  EXPECT_EQ(GetCapturedStderr(), "");
}

TEST(Progress, FinishPrintsOneFinalLine) {
  if (isatty(2)) GTEST_SKIP() << "stderr is a terminal";
  CaptureStderr();
  {
    Progress p("ingest m", 2000);
    p.advance(500);
    p.set_label("ingest model");
    p.advance(1500);
    p.finish();
    p.finish();  // once only
  }
  std::string out = GetCapturedStderr();
  EXPECT_THAT(out, ::testing::StartsWith("ingest model: 100% 2.0 KB of 2.0 KB, "));
  EXPECT_THAT(out, HasSubstr(" took 0:00\n"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(Progress, DropShrinksTheTotalButNeverBelowWhatIsDone) {
  if (isatty(2)) GTEST_SKIP() << "stderr is a terminal";
  CaptureStderr();
  {
    Progress p("walk", 10000);
    p.advance(3000);
    p.drop(5000);  // total 5000
    p.finish();
  }
  EXPECT_THAT(GetCapturedStderr(), HasSubstr("walk: 60% 3.0 KB of 5.0 KB"));
  CaptureStderr();
  {
    Progress p("walk", 10000);
    p.advance(3000);
    p.drop(9000);  // more than is left: total becomes what is done
    p.finish();
  }
  EXPECT_THAT(GetCapturedStderr(), HasSubstr("walk: 100% 3.0 KB of 3.0 KB"));
}

}  // namespace
}  // namespace hart
