// Degenerate numbers end generation with an error naming them, never with an endless
// stream of one token: metadata that would make the forward pass give NaNs (a negative
// norm epsilon, a RoPE base of 0), and non-finite logits however they arise. The
// models are the reference ones (tests/reference), damaged and written again with the
// project's own GGUF writer.
#include <cmath>
#include <limits>

#include "../store/store_fixture.h"
#include "engine/inference.h"
#include "model/bert.h"
#include "model/causal_lm.h"
#include "model/decoder.h"
#include "model/generator.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "support/model_builder.h"
#include "util/error.h"

namespace hart::test {
namespace {

using ::testing::HasSubstr;

class DegenerateNumbersTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    reference::write_reference_models(models.path());
  }
  // The reference model `file` with metadata `key` set to `value` (its type tag kept).
  std::string with_metadata(const std::string& file, const std::string& key, double value) {
    BuiltModel m = BuiltModel::read(models.file(file));
    EXPECT_TRUE(m.metadata.contains(key)) << key;
    m.metadata[key] = value;
    std::string out = models.file("damaged-" + std::to_string(++written) + "-" + file);
    m.write_gguf(out);
    return out;
  }
  // What building the model's forward pass says about it ("" when it builds).
  static std::string load_error(const std::string& path) {
    try {
      auto m = LoadedModel::from_file(path, "damaged");
      if (m->architecture() == "bert") BertEncoder(m, 1);
      else make_causal_lm(m, 1);
      return "";
    } catch (const Error& e) {
      return e.what();
    }
  }
  TempDir models;
  int written = 0;
};

TEST_F(DegenerateNumbersTest, LlamaNormEpsilonAndRopeBaseOutOfRangeAreNamed) {
  const std::string eps = "llama.attention.layer_norm_rms_epsilon", base = "llama.rope.freq_base";
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  struct Case { std::string key; double value; std::string phrase; };
  for (const Case& c : std::vector<Case>{{eps, -0.5, eps + " is -0.5"},
                                          {eps, nan, eps + " is nan"},
                                          {base, 0.0, base + " is 0"},
                                          {base, -10000.0, base + " is -10000"},
                                          {base, inf, base + " is inf"}}) {
    std::string error = load_error(with_metadata("llama_f32.gguf", c.key, c.value));
    EXPECT_THAT(error, HasSubstr("model 'damaged': metadata " + c.phrase)) << c.phrase;
    EXPECT_THAT(error, HasSubstr(c.key == eps ? "a finite number >= 0" : "a finite number > 0")) << c.phrase;
  }
  EXPECT_EQ(load_error(with_metadata("llama_f32.gguf", eps, 0.0)), "");  // 0 is degenerate only for a zero row
}

TEST_F(DegenerateNumbersTest, Gpt2AndBertLayerNormEpsilonBelowZeroIsNamed) {
  EXPECT_THAT(load_error(with_metadata("gpt2_f32.gguf", "gpt2.attention.layer_norm_epsilon", -1.0)),
              HasSubstr("metadata gpt2.attention.layer_norm_epsilon is -1, but the gpt2 architecture needs"));
  EXPECT_THAT(load_error(with_metadata("bert_f32.gguf", "bert.attention.layer_norm_epsilon", -1.0)),
              HasSubstr("metadata bert.attention.layer_norm_epsilon is -1, but the bert architecture needs"));
}

// A NaN in a file's metadata becomes JSON null in `models.metadata`; the stored model
// refuses it as the file does instead of taking the default, and generate() says why.
TEST_F(DegenerateNumbersTest, AStoredModelsNanEpsilonStopsGenerateWithItsName) {
  const std::string eps = "llama.attention.layer_norm_rms_epsilon";
  ingest_model(*db, with_metadata("llama_f32.gguf", eps, std::numeric_limits<double>::quiet_NaN()), {"damaged"});
  EXPECT_EQ(scalar(*db, "SELECT json_type(metadata, '$.\"" + eps + "\"') = 'null' FROM models"), 1);
  try {
    run_generate(db->handle(), "damaged", "", parse_generation_options(R"({"max_tokens": 4})"));
    ADD_FAILURE() << "generated with a NaN epsilon";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("metadata " + eps + " is null (NaN or infinity in the file)"));
  }
}

// A weight that is NaN (tensors.nan_count > 0) makes every logit NaN; generate stops at
// the first step and says where, instead of emitting token 0 (argmax over NaNs).
TEST_F(DegenerateNumbersTest, NanLogitsFromTheWeightsStopGenerationAtTheFirstStep) {
  BuiltModel m = BuiltModel::read(models.file("llama_f32.gguf"));
  for (BuiltTensor& t : m.tensors)
    if (t.name == "output_norm.weight") {
      const float nan = std::numeric_limits<float>::quiet_NaN();
      std::memcpy(t.bytes.data() + 4 * 3, &nan, 4);
    }
  m.write_gguf(models.file("nan.gguf"));
  auto model = LoadedModel::from_file(models.file("nan.gguf"), "nan");
  auto lm = make_causal_lm(model, 1);
  try {
    GenerationResult r = generate_text(*lm, model->tokenizer(), "", parse_generation_options(R"({"max_tokens": 8})"));
    ADD_FAILURE() << r.tokens.size() << " tokens generated, the first " << (r.tokens.empty() ? -1 : r.tokens[0].id);
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the model's logits for position 1 (step 0) are not finite (token 0: nan)"));
  }
}

// A Llama whose logits are spoiled at one forward pass, to see the check at any step.
class SpoiledLogits : public DecoderModel {
 public:
  SpoiledLogits(std::shared_ptr<const LoadedModel> model, int spoil_eval, int32_t token, float value)
      : DecoderModel(std::move(model), tensor::shared_pool(1)), spoil_eval_(spoil_eval), token_(token), value_(value) {}

 protected:
  void forward(std::span<const BatchItem> items, std::vector<float>& logits, bool all_logits) override {
    DecoderModel::forward(items, logits, all_logits);
    if (evals_++ == spoil_eval_) logits[token_] = value_;
  }

 private:
  int spoil_eval_, evals_ = 0;
  int32_t token_;
  float value_;
};

TEST_F(DegenerateNumbersTest, NonFiniteLogitsAtALaterStepNameThePositionAndStep) {
  auto model = LoadedModel::from_file(models.file("llama_f32.gguf"), "llama");
  const GenerationOptions options = parse_generation_options(R"({"max_tokens": 8})");
  std::vector<int32_t> prompt = model->tokenizer().encode("", true);
  if (prompt.empty()) prompt.push_back(model->tokenizer().special().bos);
  for (float value : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()}) {
    SpoiledLogits lm(model, /*spoil_eval=*/3, /*token=*/7, value);
    try {
      generate_text(lm, model->tokenizer(), "", options);
      ADD_FAILURE() << "generated through " << value;
    } catch (const Error& e) {
      // Eval 0 is the prompt (predicting the token after it), eval 3 is step 3.
      const std::string shown = value > 0 ? "inf" : "-inf";
      EXPECT_THAT(e.what(), HasSubstr("logits for position " + std::to_string(prompt.size() + 3) +
                                      " (step 3) are not finite (token 7: " + shown + ")"));
    }
  }
}

}  // namespace
}  // namespace hart::test
