// The pre-tokenizer regex engine: its semantics on small cases, the errors it gives
// for what it does not support, and agreement with the hand-written GPT-2 splitter
// on random text.
#include <random>

#include "support/test_support.h"
#include "tokenizer/gpt2_pretokenizer.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/regex.h"
#include "util/error.h"
#include "util/utf8.h"

namespace hart::tokenizer {
namespace {

using testing::HasSubstr;

// The pieces `pattern` cuts `text` into, joined by '|'.
std::string pieces(std::string_view pattern, std::string_view text) {
  Regex re(pattern);
  DecodedText t(text);
  std::vector<size_t> ends;
  re.split(t, 0, t.size(), ends);
  std::string out;
  size_t begin = 0;
  for (size_t end : ends) {
    if (!out.empty()) out += "|";
    out.append(text.substr(t.offsets[begin], t.offsets[end] - t.offsets[begin]));
    begin = end;
  }
  return out;
}

TEST(Regex, MatchesAndGapsBothBecomePieces) {
  EXPECT_EQ(pieces("[0-9]+", "ab12cd345"), "ab|12|cd|345");
  EXPECT_EQ(pieces("x", "abc"), "abc");
  EXPECT_EQ(pieces("a", ""), "");
}

TEST(Regex, FirstAlternativeThatMatchesWins) {
  EXPECT_EQ(pieces("ab|abc", "abc"), "ab|c");      // not the longest
  EXPECT_EQ(pieces("a(?:b|bc)d", "abcd"), "abcd");  // backtracks into the group
}

TEST(Regex, Quantifiers) {
  EXPECT_EQ(pieces(R"(\p{N}{1,3})", "1234567"), "123|456|7");
  EXPECT_EQ(pieces(R"(\p{N}{2})", "12345"), "12|34|5");
  EXPECT_EQ(pieces(R"(\p{N}{2,})", "1 12 123"), "1 |12| |123");
  EXPECT_EQ(pieces(R"(a?b+)", "abbbab"), "abbb|ab");
  EXPECT_EQ(pieces(R"((?:ab)+)", "ababxab"), "abab|x|ab");
  EXPECT_EQ(pieces(R"(x{)", "x{"), "x{");  // a brace that is no quantifier is a literal
}

TEST(Regex, UnicodeProperties) {
  EXPECT_EQ(pieces(R"(\p{L}+)", "héllo, мир 42"), "héllo|, |мир| 42");
  EXPECT_EQ(pieces(R"(\p{N}+)", "x٣٤y"), "x|٣٤|y");  // Arabic-Indic digits are \p{N}
  EXPECT_EQ(pieces(R"(\p{P}+)", "a,.b!"), "a|,.|b|!");
  EXPECT_EQ(pieces(R"(\p{S}+)", "a+$b"), "a|+$|b");
  EXPECT_EQ(pieces(R"([\p{L}\p{M}]+)", "e\xCC\x81x 1"), "e\xCC\x81x| 1");  // a combining acute
  EXPECT_EQ(pieces(R"(\P{L}+)", "ab12cd"), "ab|12|cd");
  EXPECT_EQ(pieces(R"(\s+)", "a\xC2\xA0\xE3\x80\x80" "b"), "a|\xC2\xA0\xE3\x80\x80|b");  // NBSP, ideographic space
  EXPECT_EQ(pieces(R"([^\s\p{L}]+)", "ab, 12x"), "ab|,| |12|x");
}

TEST(Regex, LookaheadAndAnchors) {
  EXPECT_EQ(pieces(R"(\s+(?!\S))", "a   b"), "a|  | b");
  EXPECT_EQ(pieces(R"(a(?=b))", "acab"), "ac|a|b");
  EXPECT_EQ(pieces(R"(\s+$)", "a  b  "), "a  b|  ");
  EXPECT_EQ(pieces(R"(^a)", "aaa"), "a|aa");
  EXPECT_EQ(pieces(R"(\b\w+\b)", "hi, you"), "hi|, |you");
}

TEST(Regex, CaseInsensitiveGroup) {
  EXPECT_EQ(pieces(R"((?i:'s|'ll))", "it'S we'Ll"), "it|'S| we|'Ll");
  EXPECT_EQ(pieces(R"((?i:[a-c]+))", "xAbCx"), "x|AbC|x");
  EXPECT_EQ(pieces(R"('s)", "it'S"), "it'S");  // case-sensitive outside (?i:)
}

TEST(Regex, EmptyMatchesOnlyCut) {
  // Cut before every run of three digits that ends the number (thousands groups).
  EXPECT_EQ(pieces(R"((?=(?:\d{3})+(?!\d)))", "1234567"), "1|234|567");
}

TEST(Regex, EscapesAndLiterals) {
  EXPECT_EQ(pieces(R"(\r\n|\t)", "a\r\nb\tc"), "a|\r\n|b|\t|c");
  EXPECT_EQ(pieces(R"(\x41\u00e9\x{1F999})", "zAé🦙z"), "z|Aé🦙|z");
  EXPECT_EQ(pieces(R"([\[\]\\-]+)", "a[]\\-b"), "a|[]\\-|b");
  EXPECT_EQ(pieces("[一-龥]+", "ab我想c"), "ab|我想|c");
  EXPECT_EQ(pieces(".", "ab"), "a|b");
}

TEST(Regex, UnsupportedOrMalformedPatternsAreNamed) {
  auto error_of = [](std::string_view pattern) -> std::string {
    try {
      Regex re(pattern);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_THAT(error_of(R"(\p{Lu}+)"), HasSubstr("\\p{Lu}"));
  EXPECT_THAT(error_of("a+?"), HasSubstr("lazy"));
  EXPECT_THAT(error_of("a++"), HasSubstr("possessive"));
  EXPECT_THAT(error_of("(?<=a)b"), HasSubstr("lookbehind"));
  EXPECT_THAT(error_of("(ab"), HasSubstr("missing ')'"));
  EXPECT_THAT(error_of("ab)"), HasSubstr("unbalanced ')'"));
  EXPECT_THAT(error_of("[ab"), HasSubstr("unterminated ["));
  EXPECT_THAT(error_of("[z-a]"), HasSubstr("out of order"));
  EXPECT_THAT(error_of("*a"), HasSubstr("nothing to repeat"));
  EXPECT_THAT(error_of("(?:a?)*"), HasSubstr("can match nothing"));
  EXPECT_THAT(error_of("[a&&b]"), HasSubstr("intersection"));
  EXPECT_THAT(error_of(R"(\q)"), HasSubstr("\\q"));
  EXPECT_THAT(error_of("a{3,2}"), HasSubstr("m < n"));
  EXPECT_THAT(error_of("\xFF"), HasSubstr("UTF-8"));
}

TEST(Regex, ExponentialBacktrackingIsAnErrorNotAHang) {
  Regex re("(?:a|a)*c");
  DecodedText t(std::string(40, 'a'));
  std::vector<size_t> ends;
  EXPECT_THAT([&] { re.split(t, 0, t.size(), ends); },
              testing::ThrowsMessage<Error>(HasSubstr("backtracks too much")));
}

// Random text over characters that exercise every branch of GPT-2's regex.
std::string random_text(std::mt19937& rng, size_t n) {
  static const char* const parts[] = {"a", "Z", "é", "я", "我", "1", "٣", " ", "  ", "\t", "\n", "\r",
                                      "'", "s", "t", "re", "ll", "ve", "d", "m", "!", ",", "🦙",
                                      "\xC2\xA0", "\xE3\x80\x80", "\xCC\x81", "\xE2\x80\x8D", "$", "_"};
  std::uniform_int_distribution<size_t> pick(0, std::size(parts) - 1);
  std::string s;
  for (size_t i = 0; i < n; ++i) s += parts[pick(rng)];
  return s;
}

TEST(Regex, AgreesWithTheHandWrittenGpt2Splitter) {
  Regex re(kGpt2Regex);
  std::mt19937 rng(13);
  for (int round = 0; round < 3000; ++round) {
    const std::string text = random_text(rng, 1 + round % 40);
    DecodedText t(text);
    std::vector<size_t> by_regex, by_hand;
    re.split(t, 0, t.size(), by_regex);
    gpt2_pretokenize(t, 0, t.size(), by_hand);
    ASSERT_EQ(by_regex, by_hand) << "text: \"" << text << "\"";
  }
}

TEST(PreTokenizer, UnknownNamesAndRegexListsAreFound) {
  EXPECT_NE(find_pre_tokenizer("llama-bpe"), nullptr);
  EXPECT_NE(find_pre_tokenizer(""), nullptr);  // "default", as llama.cpp
  EXPECT_EQ(find_pre_tokenizer("no-such-pre"), nullptr);
  EXPECT_THAT(pre_tokenizer_names(), HasSubstr("qwen2"));
  EXPECT_EQ(find_pre_tokenizer_by_regexes({std::string(kGpt2Regex)}), find_pre_tokenizer("gpt-2"));
}

}  // namespace
}  // namespace hart::tokenizer
