// decode(encode(s)) gives s back (SPM and BPE), and streaming decoding equals decode.
#include "support/test_support.h"
#include "tokenizer/load_tokenizer.h"

namespace hart {
namespace {

const std::vector<std::string>& samples() {
  static const std::vector<std::string> s = {
      "",
      "Hello world",
      "  leading and trailing spaces  ",
      "\ttabs\nand\r\nnewlines\n\n",
      "Äpfel, Ünïcödé façade — naïve café",
      "нещо на Български",
      "我想在apple工作1314151天～",
      "日本語のテキストと한국어 텍스트",
      "🚀 (normal) 😶‍🌫️ emoji 👩🏽‍💻 flags 🇺🇳",
      "e\u0301 combining marks: a\u0308\u0304 Z\u0335\u0321",
      "कान्तैपिसेसआचखलचेञ ก้ำ",
      "emoji-only 🦙🦙🦙",
      "<s> literal control text </s>",
      "3.14159 ''''```\"\"\"......!!!!!!?????? I've 'RE",
      "\xEF\xBF\xBD replacement character itself",
  };
  return s;
}

void expect_roundtrip(const std::string& name) {
  HART_REQUIRE_SHARED(path, name);
  Tokenizer tok = test::load_tokenizer(path);
  for (const auto& s : samples()) {
    for (bool add_special : {false, true}) {
      auto ids = tok.encode(s, add_special);
      EXPECT_EQ(tok.decode(ids), s) << name << " add_special=" << add_special;
      StreamDecoder d(tok);
      std::string streamed;
      for (int32_t id : ids) streamed += d.push(id);
      streamed += d.finish();
      EXPECT_EQ(streamed, tok.decode(ids)) << name;
    }
  }
}

TEST(RoundTrip, SentencePiece) { expect_roundtrip("llamacpp-vocab/ggml-vocab-llama-spm.gguf"); }
TEST(RoundTrip, SentencePieceSmallVocabUsesByteFallback) {
  expect_roundtrip("stories260K/stories260K.gguf");
}
TEST(RoundTrip, ByteLevelBpe) { expect_roundtrip("llamacpp-vocab/ggml-vocab-gpt-2.gguf"); }

// WordPiece normalizes (lowercase, no accents, punctuation split off) and maps words
// it cannot spell to [UNK], so only text already in that form round-trips.
TEST(RoundTrip, WordPieceRoundTripsNormalizedText) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-bert-bge.gguf");
  Tokenizer tok = test::load_tokenizer(path);
  for (std::string s : {"hello world", "the quick brown fox , jumps !", "a 333 b 天 c"})
    EXPECT_EQ(tok.decode(tok.encode(s, true)), s);
  EXPECT_EQ(tok.decode(tok.encode("  Héllo,   WORLD!", true)), "hello , world !");
  // [UNK] is a control token: left out unless asked for.
  auto ids = tok.encode("hello 🦙", true);
  EXPECT_EQ(tok.decode(ids), "hello");
  EXPECT_EQ(tok.decode(ids, /*render_special=*/true), "[CLS]hello[UNK][SEP]");
}

// Byte tokens that split a character are held until the character completes.
TEST(StreamDecoder, NeverEmitsBrokenUtf8) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  Tokenizer tok = test::load_tokenizer(path);
  auto ids = tok.encode("🦙", false);  // not in a 512-token vocab: four byte tokens
  ASSERT_GE(ids.size(), 4u);
  StreamDecoder d(tok);
  std::vector<std::string> parts;
  for (int32_t id : ids) parts.push_back(d.push(id));
  for (size_t i = 0; i + 1 < parts.size(); ++i) EXPECT_EQ(parts[i].find("\xF0"), std::string::npos);
  EXPECT_EQ(parts.back().substr(parts.back().size() - 4), "🦙");
  EXPECT_EQ(d.finish(), "");
}

TEST(StreamDecoder, IncompleteBytesBecomeReplacementCharacters) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  Tokenizer tok = test::load_tokenizer(path);
  const int32_t f0 = tok.find("<0xF0>"), x9f = tok.find("<0x9F>"), a = tok.find("a");
  StreamDecoder d(tok);
  EXPECT_EQ(d.push(f0), "");
  EXPECT_EQ(d.push(x9f), "");
  EXPECT_EQ(d.push(a), "\xEF\xBF\xBD" "a");  // F0 9F cannot continue with 'a'
  EXPECT_EQ(d.push(f0), "");
  EXPECT_EQ(d.finish(), "\xEF\xBF\xBD");  // flushed at the end
  std::vector<int32_t> ids = {f0, x9f, a, f0};
  EXPECT_EQ(tok.decode(ids), "\xEF\xBF\xBD" "a" "\xEF\xBF\xBD");
}

}  // namespace
}  // namespace hart
