// Every decoder architecture against llama.cpp: the random-weight models of
// tests/reference/decoder_families.cpp, regenerated and checked by SHA-256, give
// llama.cpp's greedy tokens (tests/golden/llamacpp/decoder-families.json, made by
// tests/reference/make_llamacpp_goldens.py) up to the first near-tie.
#include <nlohmann/json.hpp>

#include "model/causal_lm.h"
#include "model/decoder.h"
#include "reference_models.h"
#include "support/test_support.h"

namespace hart::test {
namespace {

class DecoderFamiliesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    for (const auto& w : reference::write_reference_models(dir_->path())) sha_[w.path] = w.sha256;
    golden_ = nlohmann::json::parse(read_file(source_dir() + "/tests/golden/llamacpp/decoder-families.json"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::shared_ptr<const LoadedModel> load(const std::string& name) {
    return LoadedModel::from_file(dir_->file(name + ".gguf"), name);
  }
  static inline TempDir* dir_ = nullptr;
  static inline std::map<std::string, std::string> sha_;
  static inline nlohmann::json golden_;
};

// llama.cpp ran with an F32 KV cache on one thread; our sums run in another order, so
// a step whose top-2 margin is this small may flip, and comparing stops there.
constexpr float kNearTie = 1e-3f;

TEST_F(DecoderFamiliesTest, GreedyTokensMatchLlamaCpp) {
  ASSERT_GE(golden_["models"].size(), 7u);
  for (const auto& entry : golden_["models"]) {
    const std::string name = entry["model"];
    SCOPED_TRACE(name);
    ASSERT_EQ(sha_[name + ".gguf"], entry["sha256"]) << "the writers changed: regenerate the golden";
    auto lm = make_causal_lm(load(name), 2);
    for (const auto& c : entry["cases"]) {
      const std::vector<int32_t> prompt = c["prompt"], expected = c["greedy"];
      const std::vector<float> margin = c["margin"];
      lm->reset();
      std::vector<float> logits;
      lm->eval(prompt, logits);
      size_t compared = 0;
      for (size_t i = 0; i < expected.size(); ++i) {
        const int32_t next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        if (margin[i] < kNearTie) break;
        ASSERT_EQ(next, expected[i]) << "step " << i;
        ++compared;
        lm->eval(std::span<const int32_t>(&expected[i], 1), logits);
      }
      EXPECT_GE(compared, 8u) << "too few steps compared: the golden's margins are near ties";
    }
  }
}

// The features each model exists to exercise are read from its metadata.
TEST_F(DecoderFamiliesTest, ConfigsCarryTheArchitecturesFeatures) {
  const DecoderConfig gemma2 = decoder_config(*load("gemma2_f32"));
  EXPECT_FLOAT_EQ(gemma2.embed_scale, 8.0f);
  EXPECT_FLOAT_EQ(gemma2.attn_softcap, 1.5f);
  EXPECT_FLOAT_EQ(gemma2.final_softcap, 10.0f);
  EXPECT_EQ(gemma2.sliding_window, 6);
  EXPECT_EQ(gemma2.swa_layers, (std::vector<bool>{true, false}));
  const DecoderConfig gemma3 = decoder_config(*load("gemma3_f32"));
  EXPECT_EQ(gemma3.swa_layers, (std::vector<bool>{true, false, true}));
  EXPECT_FLOAT_EQ(gemma3.rope.freq_scale, 0.125f);
  EXPECT_FLOAT_EQ(gemma3.rope_swa.freq_scale, 1.0f);
  EXPECT_FLOAT_EQ(gemma3.rope_swa.base, 10000.0f);
  const DecoderConfig qwen2 = decoder_config(*load("qwen2_f32"));
  EXPECT_EQ(qwen2.rope.layout, tensor::RopeLayout::Neox);
  EXPECT_FLOAT_EQ(qwen2.rope.ext_factor, 1.0f);
  EXPECT_EQ(qwen2.rope.n_ctx_orig, 16u);
  EXPECT_EQ(decoder_config(*load("qwen3_f32")).head_dim, 24);
  EXPECT_EQ(decoder_config(*load("mistral_f32")).swa_layers, (std::vector<bool>{true, true}));
  EXPECT_EQ(decoder_config(*load("llama3_f32")).rope.layout, tensor::RopeLayout::Norm);
}

}  // namespace
}  // namespace hart::test
