// Prompts must tokenize fast: 10 KB of mixed text, best of several runs.
#include <chrono>

#include "support/test_support.h"
#include "tokenizer/load_tokenizer.h"

namespace hart {
namespace {

std::string ten_kb_text() {
  const std::string para =
      "Once upon a time, in a database far away, a model's weights lived as rows. "
      "It tokenized prompts (quickly!) -- 3.14159, naïve café, нещо на Български, 我想在apple工作. ";
  std::string s;
  while (s.size() < 10240) s += para;
  return s;
}

double best_ms(const Tokenizer& tok, const std::string& text, size_t* n_tokens) {
  double best = 1e9;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto ids = tok.encode(text, true);
    auto t1 = std::chrono::steady_clock::now();
    *n_tokens = ids.size();
    best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return best;
}

void expect_fast(const std::string& rel, const std::string& pre = "") {
  HART_REQUIRE_SHARED(path, rel);
  Tokenizer tok = test::load_tokenizer(path);
  if (!pre.empty()) {  // the same vocabulary under another pre-tokenizer
    MappedFile f(path);
    ModelFile m = read_model_file(f.data(), f.size(), path);
    m.metadata["tokenizer.ggml.pre"] = pre;
    tok = Tokenizer(m.metadata, m.metadata_types);
  }
  const std::string text = ten_kb_text();
  size_t n = 0;
  double ms = best_ms(tok, text, &n);
  std::printf("%s%s: encode %zu bytes -> %zu tokens in %.3f ms (best of 5)\n", rel.c_str(),
              pre.empty() ? "" : (" as " + pre).c_str(), text.size(), n, ms);
  // The goal is well under 10 ms; the bound is loose for sanitizer and debug builds.
  EXPECT_LT(ms, 100.0);
}

TEST(Speed, SentencePiece10KB) { expect_fast("llamacpp-vocab/ggml-vocab-llama-spm.gguf"); }
TEST(Speed, ByteLevelBpe10KB) { expect_fast("llamacpp-vocab/ggml-vocab-gpt-2.gguf"); }
TEST(Speed, WordPiece10KB) { expect_fast("llamacpp-vocab/ggml-vocab-bert-bge.gguf"); }
// Pre-tokenizers the regex engine runs (six regexes in turn for DeepSeek LLM).
TEST(Speed, ByteLevelBpeRegexDeepSeekLlm10KB) { expect_fast("llamacpp-vocab/ggml-vocab-deepseek-llm.gguf"); }
TEST(Speed, ByteLevelBpeRegexFalcon10KB) { expect_fast("llamacpp-vocab/ggml-vocab-falcon.gguf"); }
TEST(Speed, ByteLevelBpeRegexLlama3_10KB) { expect_fast("llamacpp-vocab/ggml-vocab-gpt-2.gguf", "llama-bpe"); }

}  // namespace
}  // namespace hart
