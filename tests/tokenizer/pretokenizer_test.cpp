// The Llama 3 and Qwen2 pre-tokenizers, from their published regexes:
//   Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Qwen2:   the same with \p{N} (one digit) for \p{N}{1,3}.
// First on cases whose pieces were worked out by hand from the regexes, one per rule;
// then token ids against llama.cpp's (tests/golden/llamacpp/pretokenizer-golden.json,
// GPT-2's vocabulary under each pre-tokenizer, made by make_pretokenizer_golden.py).
#include "support/test_support.h"
#include "tokenizer/load_tokenizer.h"
#include "tokenizer/pretokenizer.h"

namespace hart::tokenizer {
namespace {

std::string pieces(std::string_view pre, std::string_view text) {
  const PreTokenizerSpec* spec = find_pre_tokenizer(pre);
  if (!spec) return "no pre-tokenizer " + std::string(pre);
  PreTokenizer p(spec->regexes);
  std::string out;
  for (auto [b, e] : p.split(text)) out += (out.empty() ? "" : "|") + std::string(text.substr(b, e - b));
  return out;
}

TEST(Llama3PreTokenizer, ContractionsInAnyCase) {
  EXPECT_EQ(pieces("llama-bpe", "It'S we'LL they'Re"), "It|'S| we|'LL| they|'Re");
  EXPECT_EQ(pieces("qwen2", "I'M you'D don'T"), "I|'M| you|'D| don|'T");
  EXPECT_EQ(pieces("gpt-2", "It'S we'll"), "It|'|S| we|'ll");  // GPT-2's are lowercase only
  EXPECT_EQ(pieces("llama-bpe", "''s"), "''|s");  // the first quote starts a punctuation run
}

TEST(Llama3PreTokenizer, NumbersInRunsOfUpToThreeDigitsQwen2InSingleDigits) {
  EXPECT_EQ(pieces("llama-bpe", "1234567 89"), "123|456|7| |89");
  EXPECT_EQ(pieces("qwen2", "1234567 89"), "1|2|3|4|5|6|7| |8|9");
  EXPECT_EQ(pieces("llama-bpe", "$100.50"), "$|100|.|50");
  EXPECT_EQ(pieces("llama-bpe", "٣٤٥٦"), "٣٤٥|٦");  // any \p{N}, not only ASCII
  EXPECT_EQ(pieces("qwen2", "٣٤"), "٣|٤");
}

TEST(Llama3PreTokenizer, PunctuationRunsTakeOneLeadingSpaceAndTrailingNewlines) {
  EXPECT_EQ(pieces("llama-bpe", "Hello...!!! world ?? (foo)"), "Hello|...!!!| world| ??| (|foo|)");
  EXPECT_EQ(pieces("qwen2", "end.\n\nNext ...\n\n\nthen"), "end|.\n\n|Next| ...\n\n\n|then");
}

TEST(Llama3PreTokenizer, WhitespaceAndNewlineRuns) {
  EXPECT_EQ(pieces("llama-bpe", "  \n\n  x\r\ny \t\tz   "), "  \n\n| | x|\r\n|y| \t|\tz|   ");
  EXPECT_EQ(pieces("qwen2", "a\r\n\r\nb"), "a|\r\n\r\n|b");
}

TEST(Llama3PreTokenizer, AnyNonLetterNonDigitCharacterPrefixesAWord) {
  EXPECT_EQ(pieces("llama-bpe", "\tfoo\tbar_baz-qux"), "\tfoo|\tbar|_baz|-qux");
  EXPECT_EQ(pieces("llama-bpe", "x\u00a0y\u3000z"), "x|\u00a0y|\u3000z");  // non-ASCII spaces too
  EXPECT_EQ(pieces("llama-bpe", "a\nb"), "a|\n|b");  // but never a newline
}

TEST(Llama3PreTokenizer, NonLatinLettersAndMarks) {
  EXPECT_EQ(pieces("llama-bpe", "Привет мир 你好世界"), "Привет| мир| 你好世界");
  // A combining mark (\p{M}) is no letter: it ends a word and prefixes the next.
  EXPECT_EQ(pieces("llama-bpe", "e\u0301t\u00e9"), "e|\u0301t\u00e9");
  EXPECT_EQ(pieces("qwen2", "\u0928\u092e\u0938\u094d\u0924\u0947"), "\u0928\u092e\u0938|\u094d\u0924|\u0947");
}

TEST(Llama3PreTokenizer, EmojiArePunctuationRuns) {
  EXPECT_EQ(pieces("llama-bpe", "🦙🦙 ok 😶!"), "🦙🦙| ok| 😶!");
}

// Every case of the golden file through the whole tokenizer: GPT-2's vocabulary and
// merges with tokenizer.ggml.pre set to the case's pre-tokenizer.
TEST(PreTokenizerGolden, TokenIdsMatchLlamaCpp) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-gpt-2.gguf");
  MappedFile f(path);
  ModelFile m = read_model_file(f.data(), f.size(), path);
  auto golden = nlohmann::json::parse(test::read_file(test::source_dir() + "/tests/golden/llamacpp/pretokenizer-golden.json"));
  std::map<std::string, Tokenizer> by_pre;
  size_t checked = 0;
  for (const auto& c : golden["cases"]) {
    const std::string pre = c["pre"];
    if (!by_pre.count(pre)) {
      auto md = m.metadata;
      md["tokenizer.ggml.pre"] = pre;
      by_pre.emplace(pre, Tokenizer(md, m.metadata_types));
    }
    const std::string input = c["input"];
    auto ids = by_pre.at(pre).encode(input, /*add_special=*/false);
    EXPECT_EQ(ids, c["ids"].get<std::vector<int32_t>>()) << pre << " input: \"" << input << "\"";
    ++checked;
  }
  EXPECT_EQ(checked, 290u);
  // Llama 3's pre-tokenizer defaults add_bos to true (llama-tokenize gives [50256, 15496]).
  EXPECT_EQ(by_pre.at("llama-bpe").encode("Hello", /*add_special=*/true), (std::vector<int32_t>{50256, 15496}));
  EXPECT_EQ(by_pre.at("qwen2").encode("Hello", /*add_special=*/true), (std::vector<int32_t>{15496}));
}

}  // namespace
}  // namespace hart::tokenizer
