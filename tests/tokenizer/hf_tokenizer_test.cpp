// Hugging Face tokenizer.json read as GGUF tokenizer metadata. There are no real
// tokenizer.json files in ../shared, so the equivalence tests write them from
// llama.cpp's vocab GGUFs (the inverse of convert_hf_to_gguf.py): the same vocabulary
// through tokenizer.json and through GGUF metadata must tokenize llama.cpp's test
// inputs identically, for BPE (gpt-2, and GPT-2's vocabulary under Llama 3's Split
// regex), WordPiece (bert-bge) and Unigram/SentencePiece (llama-spm).
#include <map>

#include "support/test_support.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/load_tokenizer.h"
#include "tokenizer/vocab.h"
#include "util/error.h"

namespace hart {
namespace {

using json = nlohmann::json;
using testing::HasSubstr;
using tokenizer::metadata_from_hugging_face;

const std::string kSpace = "\xE2\x96\x81";

struct Gguf {
  nlohmann::ordered_json md, types;
  std::vector<std::string> tokens;
  std::vector<double> types_of;
  std::string path;
};

Gguf load(const std::string& path) {
  MappedFile f(path);
  ModelFile m = read_model_file(f.data(), f.size(), path);
  Gguf g{m.metadata, m.metadata_types, {}, {}, path};
  tokenizer::MetadataView view(g.md, g.types);
  g.tokens = view.strings("tokenizer.ggml.tokens");
  g.types_of = view.numbers("tokenizer.ggml.token_type");
  return g;
}

Tokenizer from_hf(const json& tj, const json& config) {
  auto m = metadata_from_hugging_face(tj, config);
  return Tokenizer(m.metadata, m.types);
}

// Every llama.cpp input, with and without special tokens, tokenizes the same both ways.
void expect_same_tokens(const Tokenizer& a, const Tokenizer& b, const std::string& gguf) {
  ASSERT_EQ(a.vocab_size(), b.vocab_size());
  size_t n = 0;
  for (const auto& in : test::read_vocab_inputs(gguf)) {
    EXPECT_EQ(a.encode(in, false), b.encode(in, false)) << "input: \"" << in << "\"";
    EXPECT_EQ(a.encode(in, true), b.encode(in, true)) << "input: \"" << in << "\"";
    EXPECT_EQ(a.encode(in, true, true), b.encode(in, true, true)) << "input: \"" << in << "\"";
    ++n;
  }
  EXPECT_EQ(n, 46u);
}

json added_tokens(const Gguf& g) {
  json added = json::array();
  for (size_t i = 0; i < g.tokens.size(); ++i)
    if (g.types_of[i] == 3 || g.types_of[i] == 4)
      added.push_back({{"id", i}, {"content", g.tokens[i]}, {"special", g.types_of[i] == 3}});
  return added;
}

json bpe_json(const Gguf& g, const json& pre_tokenizer, bool array_merges) {
  json vocab = json::object();
  for (size_t i = 0; i < g.tokens.size(); ++i) vocab[g.tokens[i]] = i;
  json merges = json::array();
  for (const auto& m : tokenizer::MetadataView(g.md, g.types).strings("tokenizer.ggml.merges")) {
    size_t sp = m.find(' ', 1);
    if (array_merges) merges.push_back(json::array({m.substr(0, sp), m.substr(sp + 1)}));
    else merges.push_back(m);
  }
  return {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
          {"normalizer", nullptr},
          {"pre_tokenizer", pre_tokenizer},
          {"added_tokens", added_tokens(g)}};
}

const json kByteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};

TEST(HfTokenizer, ByteLevelBpeEqualsGgufGpt2) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-gpt-2.gguf");
  Gguf g = load(path);
  const json config = {{"bos_token", "<|endoftext|>"}, {"eos_token", "<|endoftext|>"}};
  Tokenizer gguf(g.md, g.types);
  expect_same_tokens(gguf, from_hf(bpe_json(g, kByteLevel, false), config), path);
  expect_same_tokens(gguf, from_hf(bpe_json(g, kByteLevel, true), config), path);  // [a, b] merges
}

TEST(HfTokenizer, SplitRegexBeforeByteLevelIsLlama3) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-gpt-2.gguf");
  Gguf g = load(path);
  const std::string llama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  const json pre = {{"type", "Sequence"},
                    {"pretokenizers",
                     {{{"type", "Split"}, {"pattern", {{"Regex", llama3}}}, {"behavior", "Isolated"}, {"invert", false}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  const json config = {{"bos_token", "<|endoftext|>"}, {"eos_token", "<|endoftext|>"}};
  auto m = metadata_from_hugging_face(bpe_json(g, pre, false), config);
  EXPECT_EQ(m.metadata["tokenizer.ggml.pre"], "llama3");
  g.md["tokenizer.ggml.pre"] = "llama-bpe";
  expect_same_tokens(Tokenizer(g.md, g.types), Tokenizer(m.metadata, m.types), path);
}

TEST(HfTokenizer, WordPieceEqualsGgufBertBge) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-bert-bge.gguf");
  Gguf g = load(path);
  json vocab = json::object();
  for (size_t i = 0; i < g.tokens.size(); ++i) {  // undo convert_hf_to_gguf.py's phantom space
    const std::string& t = g.tokens[i];
    std::string hf = t.front() == '[' && t.back() == ']' ? t
                     : t.rfind(kSpace, 0) == 0   ? t.substr(kSpace.size())
                                                 : "##" + t;
    vocab[hf] = i;
  }
  const json tj = {
      {"model", {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"}, {"vocab", vocab}}},
      {"normalizer", {{"type", "BertNormalizer"}, {"lowercase", true}, {"strip_accents", nullptr}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"added_tokens", added_tokens(g)}};
  const json config = {{"cls_token", "[CLS]"}, {"sep_token", "[SEP]"}, {"unk_token", "[UNK]"},
                       {"pad_token", "[PAD]"}, {"mask_token", "[MASK]"}};
  expect_same_tokens(Tokenizer(g.md, g.types), from_hf(tj, config), path);
  expect_same_tokens(Tokenizer(g.md, g.types), from_hf(tj, nullptr), path);  // BERT's token names by default
}

TEST(HfTokenizer, UnigramEqualsGgufLlamaSpm) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  Gguf g = load(path);
  auto scores = tokenizer::MetadataView(g.md, g.types).numbers("tokenizer.ggml.scores");
  json vocab = json::array();
  for (size_t i = 0; i < g.tokens.size(); ++i) vocab.push_back(json::array({g.tokens[i], scores[i]}));
  const json tj = {
      {"model", {{"type", "Unigram"}, {"unk_id", 0}, {"byte_fallback", true}, {"vocab", vocab}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "first"}, {"split", false}}},
      {"added_tokens", {{{"id", 0}, {"content", "<unk>"}, {"special", true}},
                        {{"id", 1}, {"content", "<s>"}, {"special", true}},
                        {{"id", 2}, {"content", "</s>"}, {"special", true}}}}};
  const json config = {{"add_bos_token", true}, {"add_eos_token", false}, {"bos_token", "<s>"},
                       {"eos_token", {{"content", "</s>"}, {"lstrip", false}}}, {"unk_token", "<unk>"},
                       {"chat_template", "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}"}};
  auto m = metadata_from_hugging_face(tj, config);
  EXPECT_EQ(m.metadata["tokenizer.chat_template"], config["chat_template"]);
  EXPECT_EQ(m.types["tokenizer.chat_template"], "str");
  // <unk> is an added special token here (control) and the unk_id (unknown) in GGUF.
  Tokenizer hf(m.metadata, m.types), gguf(g.md, g.types);
  EXPECT_EQ(hf.special().unk, 0);
  EXPECT_EQ(hf.special().bos, 1);
  EXPECT_EQ(hf.special().eos, 2);
  expect_same_tokens(gguf, hf, path);
}

// Llama 2's tokenizer.json form: BPE with byte_fallback, merges made from the
// SentencePiece vocabulary as Hugging Face's converter makes them (every split of a
// piece into two pieces, ordered by the piece's score).
TEST(HfTokenizer, SentencePieceStyleBpeEqualsGgufLlamaSpm) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/ggml-vocab-llama-spm.gguf");
  Gguf g = load(path);
  auto scores = tokenizer::MetadataView(g.md, g.types).numbers("tokenizer.ggml.scores");
  json vocab = json::object();
  std::map<std::string, size_t> id_of;
  for (size_t i = 0; i < g.tokens.size(); ++i) vocab[g.tokens[i]] = i, id_of[g.tokens[i]] = i;
  struct Merge {
    double score;
    size_t left, right;
  };
  std::vector<Merge> merges;
  for (size_t i = 0; i < g.tokens.size(); ++i) {
    if (g.types_of[i] != 1) continue;
    const std::string& t = g.tokens[i];
    for (size_t k = 1; k < t.size(); ++k) {
      if ((static_cast<unsigned char>(t[k]) & 0xC0) == 0x80) continue;  // inside a character
      auto l = id_of.find(t.substr(0, k)), r = id_of.find(t.substr(k));
      if (l != id_of.end() && r != id_of.end()) merges.push_back({scores[i], l->second, r->second});
    }
  }
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    return a.score > b.score || (a.score == b.score && std::pair(a.left, a.right) < std::pair(b.left, b.right));
  });
  json merge_list = json::array();
  for (const Merge& m : merges) merge_list.push_back(json::array({g.tokens[m.left], g.tokens[m.right]}));
  const json tj = {
      {"model", {{"type", "BPE"}, {"byte_fallback", true}, {"unk_token", "<unk>"}, {"vocab", vocab}, {"merges", merge_list}}},
      {"normalizer", {{"type", "Sequence"},
                      {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", kSpace}},
                                                   {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}}})}}},
      {"pre_tokenizer", nullptr},
      {"added_tokens", {{{"id", 0}, {"content", "<unk>"}, {"special", true}},
                        {{"id", 1}, {"content", "<s>"}, {"special", true}},
                        {{"id", 2}, {"content", "</s>"}, {"special", true}}}}};
  const json config = {{"add_bos_token", true}, {"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}};
  auto m = metadata_from_hugging_face(tj, config);
  EXPECT_EQ(m.metadata["tokenizer.ggml.model"], "llama");
  expect_same_tokens(Tokenizer(g.md, g.types), Tokenizer(m.metadata, m.types), path);
}

TEST(HfTokenizer, ChatTemplateListTakesTheDefault) {
  const json tj = {{"model", {{"type", "WordPiece"}, {"vocab", {{"[UNK]", 0}, {"a", 1}}}}}};
  const json config = {{"chat_template", json::array({{{"name", "tool_use"}, {"template", "T"}},
                                                       {{"name", "default"}, {"template", "D"}}})}};
  EXPECT_EQ(metadata_from_hugging_face(tj, config).metadata["tokenizer.chat_template"], "D");
}

TEST(HfTokenizer, AddedTokensExtendTheVocabularyAndGapsArePadded) {
  const json tj = {{"model", {{"type", "WordPiece"}, {"vocab", {{"[UNK]", 0}, {"a", 1}}}}},
                   {"added_tokens", {{{"id", 4}, {"content", "<extra>"}, {"special", false}}}}};
  auto m = metadata_from_hugging_face(tj, nullptr);
  EXPECT_EQ(m.metadata["tokenizer.ggml.tokens"], json({"[UNK]", "a", "[PAD2]", "[PAD3]", "<extra>"}));
  EXPECT_EQ(m.metadata["tokenizer.ggml.token_type"], json({2, 1, 5, 5, 4}));
}

TEST(HfTokenizer, BadFilesAreErrorsNamingTheProblem) {
  auto error_of = [](const json& tj) -> std::string {
    try {
      metadata_from_hugging_face(tj, nullptr);
    } catch (const FormatError& e) {
      return e.what();
    }
    return "no error";
  };
  const json bpe_model = {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}};
  auto bpe = [&](const json& change) {
    json tj = {{"model", bpe_model}, {"pre_tokenizer", kByteLevel}};
    tj.merge_patch(change);
    return tj;
  };
  EXPECT_EQ(error_of(bpe(json::object())), "no error");
  EXPECT_THAT(error_of(bpe({{"model", {{"type", "WordLevel"}}}})), HasSubstr("unsupported model type \"WordLevel\""));
  EXPECT_THAT(error_of(bpe({{"pre_tokenizer", {{"type", "Whitespace"}}}})), HasSubstr("\"Whitespace\""));
  EXPECT_THAT(error_of(bpe({{"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", "\\d+"}}}, {"behavior", "Isolated"}}, kByteLevel}}}}})),
              HasSubstr("not a known pre-tokenizer's"));
  EXPECT_THAT(error_of(bpe({{"pre_tokenizer", nullptr}})), HasSubstr("without a ByteLevel"));
  EXPECT_THAT(error_of(bpe({{"model", {{"merges", {"ab"}}}}})), HasSubstr("model.merges[0] \"ab\""));
  EXPECT_THAT(error_of(bpe({{"model", {{"merges", json::array({json::array({"a", 1})})}}}})), HasSubstr("model.merges[0] is neither"));
  EXPECT_THAT(error_of(bpe({{"model", {{"vocab", {{"a", -1}}}}}})), HasSubstr("id -1 is out of range"));
  EXPECT_THAT(error_of(bpe({{"model", {{"vocab", {{"a", 1 << 30}}}}}})), HasSubstr("out of range"));
  EXPECT_THAT(error_of(bpe({{"model", {{"vocab", {{"a", "x"}}}}}})), HasSubstr("not an integer"));
  EXPECT_THAT(error_of(bpe({{"normalizer", {{"type", "Lowercase"}}}})), HasSubstr("normalizer \"Lowercase\""));
  EXPECT_THAT(error_of(bpe({{"added_tokens", {{{"id", 99999999}, {"content", "x"}}}}})),
              HasSubstr("added_tokens[0] id 99999999 is out of range"));
  EXPECT_THAT(error_of(json::array()), HasSubstr("not a JSON object"));
  EXPECT_THAT(error_of({{"model", {{"type", "Unigram"}, {"vocab", {{"a"}}}}}}), HasSubstr("model.vocab[0] is not [piece, score]"));
  EXPECT_THAT(error_of({{"model", {{"type", "Unigram"}, {"vocab", json::array({json::array({"a", 0.0})})}, {"unk_id", 7}}}}), HasSubstr("unk_id 7"));
  EXPECT_THAT(error_of({{"model", {{"type", "WordPiece"}, {"vocab", {{"a", 0}}}}}, {"normalizer", {{"type", "NFKC"}}}}),
              HasSubstr("normalizer \"NFKC\""));
}

}  // namespace
}  // namespace hart
