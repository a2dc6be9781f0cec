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

TEST(Utf8, EveryScalarValueRoundTrips) {
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    append_utf8(s, cp);
    Utf8Step st = utf8_step(s);
    ASSERT_EQ(st.kind, Utf8Step::kOk) << std::hex << cp;
    ASSERT_EQ(st.cp, cp);
    ASSERT_EQ(st.len, s.size());
    ASSERT_EQ(s.size(), cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u);
  }
}

TEST(Utf8, SurrogatesOverlongsAndPastU10FFFFAreInvalid) {
  for (const char* bad : {"\xED\xA0\x80", "\xE0\x80\x80", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                          "\xC1\xBF"}) {
    Utf8Step st = utf8_step(bad);
    EXPECT_EQ(st.kind, Utf8Step::kInvalid) << bad;
    EXPECT_EQ(st.cp, kReplacement);
    EXPECT_EQ(st.len, 1u) << "the maximal ill-formed subpart is the lead byte alone";
  }
  // A truncated sequence followed by another character is one subpart, not the whole.
  Utf8Step st = utf8_step("\xF0\x9F\xA6" "A");
  EXPECT_EQ(st.kind, Utf8Step::kInvalid);
  EXPECT_EQ(st.len, 3u);
  EXPECT_EQ(utf8_sanitize("\xF0\x9F\xA6" "A"), "\xEF\xBF\xBD" "A");
  EXPECT_EQ(utf8_sanitize("x\xF0\x9F"), "x\xEF\xBF\xBD");  // a truncated end is one replacement
}

}  // namespace
}  // namespace hart
