// Passage splitting and text decoding: pure functions, no database.
#include <gtest/gtest.h>

#include "media/passages.h"
#include "media/text_decode.h"
#include "util/error.h"

namespace hart {
namespace {

TEST(Passages, PacksWholeSentencesAndOverlapsByWholeSentences) {
  std::string text = "One two three. Four five six! Seven eight nine? Ten eleven twelve.";
  // Sentences of 14, 14, 17 and 18 bytes: 36 bytes fit two, 20 bytes of overlap one.
  auto p = split_passages(text, {36, 20});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], "One two three. Four five six!");
  EXPECT_EQ(p[1], "Four five six! Seven eight nine?");
  EXPECT_EQ(p[2], "Seven eight nine? Ten eleven twelve.");
  auto no_overlap = split_passages(text, {36, 0});
  ASSERT_EQ(no_overlap.size(), 2u);
  EXPECT_EQ(no_overlap[1], "Seven eight nine? Ten eleven twelve.");
}

TEST(Passages, ShortTextIsOnePassageAndBlankTextNone) {
  auto p = split_passages("  Hello there.\n", {100, 10});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "Hello there.");
  EXPECT_TRUE(split_passages(" \n\t ", {100, 10}).empty());
}

TEST(Passages, BlankLineEndsASentenceAndLongSentencesAreCutAtSpacesOrCharacters) {
  auto p = split_passages("Title without a stop\n\nBody text.", {24, 0});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "Title without a stop");
  std::string words = "aaaa bbbb cccc dddd eeee";
  auto cut = split_passages(words, {10, 0});
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut[0], "aaaa bbbb");
  // No spaces: the cut lands on a UTF-8 boundary (é is two bytes), never inside one.
  std::string accents;
  for (int i = 0; i < 10; ++i) accents += "\xC3\xA9";
  for (auto piece : split_passages(accents, {5, 0})) {
    EXPECT_EQ(piece.size() % 2, 0u);
    EXPECT_TRUE(is_valid_utf8(piece));
  }
}

TEST(Passages, OverlapNotSmallerThanSizeIsAUsageError) {
  EXPECT_THROW(split_passages("x", {10, 10}), UsageError);
  EXPECT_THROW(split_passages("x", {0, 0}), UsageError);
}

TEST(TextDecode, ByteOrderMarksChooseTheEncoding) {
  std::string le("\xFF\xFE" "h\0i\0 \0\xE9\0", 10);
  DecodedText t = decode_text(le);
  EXPECT_EQ(t.encoding, "UTF-16LE");
  EXPECT_EQ(t.detected_by, "bom");
  EXPECT_EQ(t.utf8, "hi \xC3\xA9");
  EXPECT_EQ(t.invalid_bytes, 0u);
  std::string be("\xFE\xFF\0h\0i", 6);
  EXPECT_EQ(decode_text(be).utf8, "hi");
  EXPECT_EQ(decode_text("\xEF\xBB\xBFok").utf8, "ok");
}

TEST(TextDecode, ValidUtf8IsKeptAsIsAndLatin1IsDetected) {
  DecodedText u = decode_text("caf\xC3\xA9 cr\xC3\xA8me");
  EXPECT_TRUE(u.same_as_input);
  EXPECT_EQ(u.encoding, "UTF-8");
  std::string latin1 = "Le caf\xE9 est tr\xE8s bon, la cr\xE8me br\xFBl\xE9" "e aussi. D\xE9j\xE0 vu, \xE0 bient\xF4t.";
  DecodedText l = decode_text(latin1);
  EXPECT_EQ(l.detected_by, "uchardet");
  EXPECT_FALSE(l.same_as_input);
  EXPECT_NE(l.utf8.find("caf\xC3\xA9"), std::string::npos) << l.encoding << ": " << l.utf8;
  EXPECT_NE(l.utf8.find("bient\xC3\xB4t"), std::string::npos);
  EXPECT_EQ(l.invalid_bytes, 0u);
}

TEST(TextDecode, InvalidBytesAreCountedAndReplacedNotDropped) {
  // UTF-16LE with a dangling odd byte at the end.
  std::string odd("\xFF\xFE" "a\0b\0c", 7);
  DecodedText t = decode_text(odd);
  EXPECT_EQ(t.utf8, "ab\xEF\xBF\xBD");
  EXPECT_EQ(t.invalid_bytes, 1u);
  EXPECT_EQ(t.first_invalid_offset, 6u);
}

}  // namespace
}  // namespace hart
