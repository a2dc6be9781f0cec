// Construction from metadata, special tokens, the invalid-UTF-8 policy, errors.
#include "support/test_support.h"
#include "tokenizer/load_tokenizer.h"
#include "util/utf8.h"
#include "util/error.h"

namespace hart {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Tokenizer, Stories260KEncodesLikeLlamaCpp) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  Tokenizer tok = test::load_tokenizer(path);
  EXPECT_EQ(tok.model(), "llama");
  EXPECT_EQ(tok.vocab_size(), 512);
  EXPECT_THAT(tok.encode("Once upon a time", true), ElementsAre(1, 403, 407, 261, 378));
  EXPECT_THAT(tok.encode("Once upon a time", false), ElementsAre(403, 407, 261, 378));
  EXPECT_EQ(tok.special().bos, 1);
  EXPECT_EQ(tok.special().eos, 2);
  EXPECT_EQ(tok.special().unk, 0);
  EXPECT_EQ(tok.special().sep, -1);  // the file says 0xFFFFFFFF: none
  EXPECT_EQ(tok.special().pad, -1);
}

TEST(Tokenizer, SentencePieceSpecialsAndPieces) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  Tokenizer tok = test::load_tokenizer(path);
  EXPECT_EQ(tok.vocab_size(), 32000);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_FALSE(tok.add_eos());
  EXPECT_EQ(tok.piece(15043), "\xE2\x96\x81Hello");
  EXPECT_EQ(tok.token_bytes(15043), " Hello");
  EXPECT_EQ(tok.piece(13), "<0x0A>");
  EXPECT_EQ(tok.token_bytes(13), "\n");
  EXPECT_EQ(tok.type(13), TokenType::kByte);
  EXPECT_TRUE(tok.is_control(1));
  EXPECT_TRUE(tok.is_special(0));  // <unk> is "unknown", not control
  EXPECT_FALSE(tok.is_control(0));
  EXPECT_FALSE(tok.is_special(15043));
  EXPECT_THROW(tok.piece(32000), Error);
  EXPECT_THROW(tok.piece(-1), Error);
  // parse_special turns "<s>" in text into the BOS token; otherwise it is text.
  EXPECT_THAT(tok.encode("<s>Hi", false, true), ElementsAre(1, 6324));
  EXPECT_NE(tok.encode("<s>Hi", false, false)[0], 1);
  EXPECT_EQ(tok.decode(tok.encode("<s>Hi", true, true), true), "<s><s>Hi");
}

TEST(Tokenizer, Gpt2SpecialsAndBytes) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-gpt-2.gguf");
  Tokenizer tok = test::load_tokenizer(path);
  EXPECT_EQ(tok.model(), "gpt2");
  EXPECT_EQ(tok.vocab_size(), 50257);
  EXPECT_EQ(tok.special().bos, 50256);
  EXPECT_EQ(tok.special().eos, 50256);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_EQ(tok.piece(50256), "<|endoftext|>");
  EXPECT_TRUE(tok.is_control(50256));
  EXPECT_EQ(tok.token_bytes(tok.find("\xC4\xA0the")), " the");  // Ġ is the space byte
  EXPECT_THAT(tok.encode("a<|endoftext|>", false, true), ElementsAre(64, 50256));
}

TEST(Tokenizer, WordPieceAddsClsAndSep) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-bert-bge.gguf");
  Tokenizer tok = test::load_tokenizer(path);
  EXPECT_EQ(tok.model(), "bert");
  EXPECT_EQ(tok.vocab_size(), 30522);
  const SpecialTokens& s = tok.special();
  EXPECT_EQ(s.cls, 101);
  EXPECT_EQ(s.sep, 102);
  EXPECT_EQ(s.unk, 100);
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.mask, 103);
  auto ids = tok.encode("Hello world", true);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids.front(), 101);
  EXPECT_EQ(ids.back(), 102);
  EXPECT_EQ(tok.piece(ids[1]), "\xE2\x96\x81hello");
  EXPECT_THAT(tok.encode("🦙", false), ElementsAre(100));
}

// Policy: ill-formed UTF-8 is replaced by U+FFFD (one per maximal ill-formed
// subpart) before tokenizing, so the result equals tokenizing the repaired text and
// decoding gives the repaired text.
TEST(Tokenizer, InvalidUtf8IsReplacedBeforeTokenizing) {
  HART_REQUIRE_SHARED(spm_path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  HART_REQUIRE_SHARED(bpe_path, "llamacpp-vocab/ggml-vocab-gpt-2.gguf");
  const std::string bad = "ok \xFF then \xE2\x96 cut \xC0\xAF overlong \xED\xA0\x80 surrogate \xF0\x9F\xA6";
  const std::string fixed = utf8_sanitize(bad);
  EXPECT_EQ(fixed,
            "ok \xEF\xBF\xBD then \xEF\xBF\xBD cut \xEF\xBF\xBD\xEF\xBF\xBD overlong "
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD surrogate \xEF\xBF\xBD");
  for (const auto& path : {spm_path, bpe_path}) {
    Tokenizer tok = test::load_tokenizer(path);
    EXPECT_EQ(tok.encode(bad, true), tok.encode(fixed, true));
    EXPECT_EQ(tok.decode(tok.encode(bad, false)), fixed);
  }
}

nlohmann::ordered_json tiny_metadata(const std::string& model) {
  nlohmann::ordered_json md = {{"tokenizer.ggml.model", model},
                               {"tokenizer.ggml.tokens", {"<unk>", "a", "b"}}};
  return md;
}
nlohmann::ordered_json tiny_types() {
  return {{"tokenizer.ggml.model", "str"}, {"tokenizer.ggml.tokens", "arr[str]"}};
}

TEST(Tokenizer, UnsupportedModelIsNamedWithTheSupportedOnes) {
  try {
    Tokenizer tok(tiny_metadata("t5"), tiny_types());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"t5\""));
    EXPECT_THAT(e.what(), HasSubstr("llama"));
    EXPECT_THAT(e.what(), HasSubstr("gpt2"));
    EXPECT_THAT(e.what(), HasSubstr("bert"));
  }
}

TEST(Tokenizer, UnsupportedPreTokenizerIsNamed) {
  auto md = tiny_metadata("gpt2");
  auto types = tiny_types();
  md["tokenizer.ggml.pre"] = "no-such-pre";
  types["tokenizer.ggml.pre"] = "str";
  md["tokenizer.ggml.merges"] = {"a b"};
  types["tokenizer.ggml.merges"] = "arr[str]";
  try {
    Tokenizer tok(md, types);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"no-such-pre\""));
    EXPECT_THAT(e.what(), HasSubstr("gpt-2"));
  }
}

TEST(Tokenizer, MissingOrMalformedKeysAreNamed) {
  auto types = tiny_types();
  EXPECT_THAT([&] { Tokenizer({{"general.name", "x"}}, {{"general.name", "str"}}); },
              testing::ThrowsMessage<FormatError>(HasSubstr("tokenizer.ggml.model")));
  EXPECT_THAT([&] { Tokenizer(tiny_metadata("gpt2"), types); },  // BPE needs merges
              testing::ThrowsMessage<FormatError>(HasSubstr("tokenizer.ggml.merges")));
  auto md = tiny_metadata("llama");
  md["tokenizer.ggml.scores"] = {1.0};
  types["tokenizer.ggml.scores"] = "arr[f32]";
  EXPECT_THAT([&] { Tokenizer(md, types); },
              testing::ThrowsMessage<FormatError>(HasSubstr("tokenizer.ggml.scores has 1 values for 3 tokens")));
}

// Tokens that are not UTF-8 are stored as "hexstr" by the GGUF reader.
TEST(Tokenizer, ReadsHexEncodedTokens) {
  nlohmann::ordered_json md = {{"tokenizer.ggml.model", "llama"},
                               {"tokenizer.ggml.tokens", {"3c756e6b3e", "ff", "e29681"}}};
  nlohmann::ordered_json types = {{"tokenizer.ggml.model", "str"}, {"tokenizer.ggml.tokens", "arr[hexstr]"}};
  Tokenizer tok(md, types);
  EXPECT_EQ(tok.piece(0), "<unk>");
  EXPECT_EQ(tok.piece(1), "\xFF");
  EXPECT_EQ(tok.find("\xE2\x96\x81"), 2);
}

}  // namespace
}  // namespace hart

namespace hart {
namespace {

// Hugging Face's vocab.txt convention: continuations start with "##".
TEST(Tokenizer, WordPieceReadsHashContinuations) {
  nlohmann::ordered_json md = {{"tokenizer.ggml.model", "bert"},
                               {"tokenizer.ggml.tokens", {"[UNK]", "un", "##aff", "##able", "hello"}},
                               {"tokenizer.ggml.unknown_token_id", 0}};
  nlohmann::ordered_json types = {{"tokenizer.ggml.model", "str"},
                                  {"tokenizer.ggml.tokens", "arr[str]"},
                                  {"tokenizer.ggml.unknown_token_id", "u32"}};
  Tokenizer tok(md, types);
  auto ids = tok.encode("UNAFFABLE, hello xyz", false);
  EXPECT_THAT(ids, ::testing::ElementsAre(1, 2, 3, 0, 4, 0));  // "," is not in this vocab
  EXPECT_EQ(tok.decode(ids), "unaffable [UNK] hello [UNK]");
}

}  // namespace
}  // namespace hart
