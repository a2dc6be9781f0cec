// llama.cpp's own tokenizer test vectors (models/ggml-vocab-*.gguf.{inp,out}), run
// as its tests/test-tokenizer-0.cpp runs them: inputs split on
// "\n__ggml_vocab_test__\n", each encoded with add_special = false and
// parse_special = false, compared with the .out line of the same index.
#include <sstream>

#include "support/test_support.h"
#include "tokenizer/load_tokenizer.h"

namespace hart {
namespace {

struct Vector {
  std::string input;
  std::vector<int32_t> expected;
};

std::vector<Vector> read_vectors(const std::string& gguf) {
  const std::vector<std::string> inputs = test::read_vocab_inputs(gguf);
  std::istringstream out(test::read_file(gguf + ".out"));
  std::vector<Vector> vectors;
  std::string line;
  for (const auto& in : inputs) {
    if (!std::getline(out, line)) ADD_FAILURE() << gguf << ".out has fewer lines than inputs";
    Vector v{in, {}};
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) v.expected.push_back(id);
    vectors.push_back(std::move(v));
  }
  return vectors;
}

std::string ids_text(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += " " + std::to_string(id);
  return s;
}

void expect_all_vectors(const std::string& name, size_t expected_count) {
  HART_REQUIRE_SHARED(path, "llamacpp-vocab/" + name);
  Tokenizer tok = test::load_tokenizer(path);
  auto vectors = read_vectors(path);
  ASSERT_EQ(vectors.size(), expected_count);
  size_t passed = 0;
  for (const auto& v : vectors) {
    auto got = tok.encode(v.input, /*add_special=*/false, /*parse_special=*/false);
    EXPECT_EQ(ids_text(got), ids_text(v.expected)) << name << " input: \"" << v.input << "\"";
    passed += got == v.expected;
  }
  std::printf("%s: %zu of %zu llama.cpp vectors match\n", name.c_str(), passed, vectors.size());
}

TEST(LlamaCppVectors, SentencePieceLlama) { expect_all_vectors("ggml-vocab-llama-spm.gguf", 46); }
TEST(LlamaCppVectors, ByteLevelBpeGpt2) { expect_all_vectors("ggml-vocab-gpt-2.gguf", 46); }
TEST(LlamaCppVectors, WordPieceBertBge) { expect_all_vectors("ggml-vocab-bert-bge.gguf", 46); }
TEST(LlamaCppVectors, SentencePiecePhi3) { expect_all_vectors("ggml-vocab-phi-3.gguf", 46); }
TEST(LlamaCppVectors, ByteLevelBpeDeepSeekCoder) { expect_all_vectors("ggml-vocab-deepseek-coder.gguf", 46); }
TEST(LlamaCppVectors, ByteLevelBpeDeepSeekLlm) { expect_all_vectors("ggml-vocab-deepseek-llm.gguf", 46); }
TEST(LlamaCppVectors, ByteLevelBpeFalcon) { expect_all_vectors("ggml-vocab-falcon.gguf", 46); }
TEST(LlamaCppVectors, ByteLevelBpeMpt) { expect_all_vectors("ggml-vocab-mpt.gguf", 46); }
TEST(LlamaCppVectors, ByteLevelBpeRefact) { expect_all_vectors("ggml-vocab-refact.gguf", 46); }
TEST(LlamaCppVectors, ByteLevelBpeStarCoder) { expect_all_vectors("ggml-vocab-starcoder.gguf", 46); }

}  // namespace
}  // namespace hart
