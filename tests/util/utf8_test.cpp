#include "util/utf8.h"

#include <gtest/gtest.h>

namespace hart {
namespace {

TEST(Utf8, StepReportsIncompleteSequences) {
  EXPECT_EQ(utf8_step("\xE2\x96").kind, Utf8Step::kIncomplete);
  EXPECT_EQ(utf8_step("\xE2\x96\x81").kind, Utf8Step::kOk);
  EXPECT_EQ(utf8_step("\xE2\x96\x81").cp, 0x2581u);
  EXPECT_EQ(utf8_step("\xE2" "A").kind, Utf8Step::kInvalid);
  EXPECT_EQ(utf8_step("\x80").kind, Utf8Step::kInvalid);
}

TEST(Utf8, FinalStepTreatsATruncatedEndAsInvalid) {
  const Utf8Step st = utf8_step_final("\xE2\x96");
  EXPECT_EQ(st.kind, Utf8Step::kInvalid);
  EXPECT_EQ(st.cp, kReplacement);
}

TEST(Utf8, SanitizeReplacesEachMaximalIllFormedSubpart) {
  EXPECT_EQ(utf8_sanitize("ok"), "ok");
  EXPECT_EQ(utf8_sanitize("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(utf8_sanitize("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong: two subparts
}

TEST(Utf8, AppendEncodesEveryLength) {
  std::string s;
  for (uint32_t cp : {0x41u, 0xE9u, 0x2581u, 0x1F999u}) append_utf8(s, cp);
  EXPECT_EQ(s, "A\xC3\xA9\xE2\x96\x81\xF0\x9F\xA6\x99");
}

}  // namespace
}  // namespace hart
