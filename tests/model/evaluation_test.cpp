// Evaluation (engine/evaluation.h): perplexity against a plain loop over logits and
// against llama-perplexity's own figure for stories260K; comparisons of a model with
// itself and with a copy that has one tensor changed; the refusals.
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "../store/store_fixture.h"
#include "engine/evaluation.h"
#include "engine/stored_model.h"
#include "model/causal_lm.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "store/model_writer.h"
#include "store/models.h"
#include "store/tensor_data.h"

namespace hart::test {
namespace {

using json = nlohmann::json;

// A text the placeholder tokenizer of the reference Llama cuts into many tokens.
std::string words(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "t" + std::to_string((i * 37) % 300) + (i % 11 == 10 ? ".\n" : " ");
  return s;
}

class EvaluationTest : public StoreTest {
 protected:
  // The reference Llama (vocabulary 512, context 64) as "tiny"; `tied` adds the other
  // one (vocabulary 384) as "tied".
  void store_tiny(bool tied = false) {
    reference::write_reference_models(dir.file("ref"));
    ingest_model(*db, dir.file("ref/llama_f32.gguf"), {"tiny"});
    if (tied) ingest_model(*db, dir.file("ref/llama_tied_f32.gguf"), {"tied"});
  }

  // A copy of `parent` sharing every chunk but those of `tensor`, whose F32 values are
  // scaled by `factor`.
  void store_changed_copy(const std::string& parent_name, const std::string& name, const std::string& tensor,
                          float factor) {
    ModelRow parent = require_model(*db, parent_name);
    auto loaded = load_stored_model(db->handle(), parent);
    ModelWriter w(*db, derived_model(*db, parent, name, {{"kind", "test"}}));
    bool changed = false;
    for (const TensorRow& t : model_tensors(db->handle(), parent.id)) {
      if (t.name != tensor) {
        w.add_tensor_from(t);
        continue;
      }
      ASSERT_EQ(t.dtype, DType::F32) << tensor;
      const TensorView& v = *loaded->find(tensor);
      std::vector<float> values(v.n_elements);
      std::memcpy(values.data(), v.data, v.n_bytes);
      for (float& x : values) x *= factor;
      w.add_tensor(t.name, t.shape, t.dtype, values.data(), v.n_bytes);
      changed = true;
    }
    ASSERT_TRUE(changed) << "no tensor " << tensor;
    w.commit();
  }

  std::string error_of_call(const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
};

// perplexity_of against the definition, computed another way: each chunk decoded one
// token at a time (the KV cache path, not one batch), log-softmax in long double.
TEST_F(EvaluationTest, PerplexityIsTheMeanNllOfEachChunksSecondHalf) {
  store_tiny();
  auto lm = make_causal_lm(load_stored_model(db->handle(), require_model(*db, "tiny")), 1);
  std::mt19937 rng(7);
  std::vector<int32_t> tokens(16 * 5 + 9);  // five whole chunks of 16 and a remainder
  for (int32_t& t : tokens) t = static_cast<int32_t>(rng() % 512);
  const int32_t bos = 1, ctx = 16;

  std::vector<long double> nll;
  std::vector<float> logits;
  for (int c = 0; c < 5; ++c) {
    lm->reset();
    for (int j = 0; j < ctx - 1; ++j) {
      const int32_t token = j == 0 ? bos : tokens[c * ctx + j];
      lm->eval(std::span<const int32_t>(&token, 1), logits);
      if (j < ctx / 2) continue;
      long double sum = 0;
      for (float l : logits) sum += std::exp(static_cast<long double>(l));
      nll.push_back(std::log(sum) - logits[tokens[c * ctx + j + 1]]);
    }
  }
  long double mean = 0, var = 0;
  for (long double v : nll) mean += v / nll.size();
  for (long double v : nll) var += (v - mean) * (v - mean) / nll.size();
  const double ppl = std::exp(static_cast<double>(mean));
  const double se = ppl * std::sqrt(static_cast<double>(var) / (nll.size() - 1));

  EvalOptions o;
  o.ctx = ctx;
  std::vector<double> running;
  PerplexityResult r = perplexity_of(*lm, "tiny", tokens, bos, o, [&](int32_t, double p) { running.push_back(p); });
  EXPECT_EQ(r.n_chunks, 5);
  EXPECT_EQ(r.scored, 5 * 7);
  EXPECT_EQ(r.scored, static_cast<int64_t>(nll.size()));
  EXPECT_NEAR(r.perplexity, ppl, ppl * 1e-5);
  EXPECT_NEAR(r.standard_error, se, se * 1e-4);
  EXPECT_EQ(running, r.running);
  EXPECT_DOUBLE_EQ(r.running.back(), r.perplexity);

  o.chunks = 2;  // a cap: the first two chunks only
  EXPECT_EQ(perplexity_of(*lm, "tiny", tokens, bos, o).n_chunks, 2);
}

TEST_F(EvaluationTest, RefusesShortTextsAndContextsOutOfRange) {
  store_tiny();
  EvalOptions o;
  o.ctx = 32;
  EXPECT_THAT(error_of_call([&] { run_perplexity(db->handle(), "tiny", "t1 t2", o); }),
              ::testing::AllOf(::testing::HasSubstr("needs at least 64"), ::testing::HasSubstr("'tiny'")));
  o.ctx = 65;
  EXPECT_THAT(error_of_call([&] { run_perplexity(db->handle(), "tiny", words(400), o); }),
              ::testing::HasSubstr("ctx 65 is out of range for model 'tiny': use 16 to 64"));
  EXPECT_THAT(error_of_call([] { EvalOptions::parse("{\"ctx\": 8}"); }),
              ::testing::HasSubstr("\"ctx\" must be an integer from 16"));
  EXPECT_THAT(error_of_call([] { EvalOptions::parse("{\"ctx\": 32, \"stride\": 4}"); }),
              ::testing::HasSubstr("unknown key \"stride\""));
  // The default ctx is the model's context (64 here, under the cap of 512).
  PerplexityResult r = run_perplexity(db->handle(), "tiny", words(400));
  EXPECT_EQ(r.ctx, 64);
  EXPECT_GT(r.perplexity, 1.0);
}

TEST_F(EvaluationTest, AModelComparedWithItselfAgreesEverywhere) {
  store_tiny();
  EvalOptions o;
  o.ctx = 32;
  o.gen_tokens = 8;
  ComparisonResult r = run_comparison(db->handle(), "tiny", "tiny", words(400), o);
  EXPECT_EQ(r.mean_kl, 0.0);
  EXPECT_EQ(r.max_kl, 0.0);
  EXPECT_EQ(r.top1_agreement, 1.0);
  EXPECT_EQ(r.teacher.perplexity, r.student.perplexity);
  EXPECT_NEAR(r.teacher.perplexity, run_perplexity(db->handle(), "tiny", words(400), o).perplexity, 1e-9);
  EXPECT_EQ(r.student.bytes_not_shared, 0);
  EXPECT_EQ(r.teacher.parameters, require_model(*db, "tiny").parameter_count);
  EXPECT_GT(r.teacher.gen_tokens_per_second, 0);
  EXPECT_EQ(r.gen_tokens, 8);
  o.gen_tokens = 64;  // with the 8-token prompt, more than the context of 64 holds
  EXPECT_EQ(run_comparison(db->handle(), "tiny", "tiny", words(400), o).gen_tokens, 56);
}

TEST_F(EvaluationTest, OneTensorChangedShowsInKlAndInUnsharedBytes) {
  store_tiny();
  store_changed_copy("tiny", "student", "output_norm.weight", 1.5f);
  EvalOptions o;
  o.ctx = 32;
  o.gen_tokens = 0;
  ComparisonResult r = run_comparison(db->handle(), "tiny", "student", words(400), o);
  EXPECT_GT(r.mean_kl, 1e-6);
  EXPECT_GE(r.max_kl, r.mean_kl);
  EXPECT_NE(r.teacher.perplexity, r.student.perplexity);
  EXPECT_EQ(r.student.bytes_not_shared, 64 * 4) << "only the 64 floats of output_norm.weight are the student's own";
  EXPECT_EQ(r.teacher.parameters, r.student.parameters);
  EXPECT_EQ(r.student.gen_tokens_per_second, 0) << "gen_tokens 0: not timed";
  json j = json::parse(r.to_json());
  EXPECT_EQ(j["student"]["bytes_not_shared"], 256);
  EXPECT_EQ(j["ctx"], 32);
}

TEST_F(EvaluationTest, ComparisonNeedsTheSameVocabulary) {
  store_tiny(/*tied=*/true);
  EXPECT_THAT(error_of_call([&] { run_comparison(db->handle(), "tiny", "tied", words(400)); }),
              ::testing::HasSubstr("'tiny' (vocabulary of 512 tokens) with 'tied' (384)"));
}

TEST_F(EvaluationTest, SqlFunctionsReturnTheEngineFigures) {
  store_tiny();
  store_changed_copy("tiny", "student", "output_norm.weight", 1.5f);
  EvalOptions o;
  o.ctx = 32;
  const double expected = run_perplexity(db->handle(), "tiny", words(400), o).perplexity;
  Stmt s = db->prepare("SELECT perplexity('tiny', ?1, 32), hart_eval('tiny', ?1, '{\"ctx\": 32, \"chunks\": 2}'),"
                       " compare_models('tiny', 'student', ?1, '{\"ctx\": 32, \"gen_tokens\": 4}')");
  const std::string text = words(400);
  s.bind(1, text);
  ASSERT_TRUE(s.step());
  EXPECT_DOUBLE_EQ(s.real(0), expected);
  json e = json::parse(s.text(1));
  EXPECT_EQ(e["chunks"], 2);
  EXPECT_EQ(e["model"], "tiny");
  json c = json::parse(s.text(2));
  EXPECT_GT(c["mean_kl"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(c["teacher"]["perplexity"].get<double>(), expected);

  EXPECT_THAT(error_of("SELECT eval('tiny', 'x', '{\"ctxx\": 32}')"), ::testing::HasSubstr("unknown key \"ctxx\""));
  EXPECT_THAT(error_of("SELECT perplexity('tiny', 'short text', 32)"), ::testing::HasSubstr("needs at least 64"));
  EXPECT_THAT(error_of("SELECT perplexity('tiny', 'x', 'big')"), ::testing::HasSubstr("ctx must be an integer"));
}

// llama-perplexity's figure for stories260K on the same text and context
// (tests/golden/llamacpp/stories260K-perplexity.json says how it was made).
TEST_F(EvaluationTest, Stories260KMatchesLlamaPerplexity) {
  HART_REQUIRE_SHARED(model, "stories260K/stories260K.gguf");
  std::ifstream golden_file(source_dir() + "/tests/golden/llamacpp/stories260K-perplexity.json");
  ASSERT_TRUE(golden_file);
  const json golden = json::parse(golden_file);
  ingest_model(*db, model, {"stories260K"});
  for (const json& run : golden["runs"]) {
    HART_REQUIRE_SHARED(text_path, run["text"].get<std::string>());
    // The text: the file's first `lines` lines, as `head -n` cut them for llama.cpp.
    std::ifstream in(text_path, std::ios::binary);
    std::string text, line;
    for (int i = 0; i < run["lines"].get<int>() && std::getline(in, line); ++i) text += line + "\n";
    EvalOptions o;
    o.ctx = run["ctx"];
    o.chunks = run.value("chunks", 0);
    PerplexityResult r = run_perplexity(db->handle(), "stories260K", text, o);
    const double want = run["perplexity"];
    std::printf("stories260K ctx %d, %d chunks: hart %.4f ± %.4f, llama-perplexity %.4f ± %.4f\n", r.ctx, r.n_chunks,
                r.perplexity, r.standard_error, want, run["standard_error"].get<double>());
    EXPECT_EQ(r.n_chunks, run["chunks_run"].get<int>());
    EXPECT_NEAR(r.perplexity, want, want * 0.001);  // measured: 0.004 % (ctx 128) and 0.01 % (ctx 512)
  }
}

}  // namespace
}  // namespace hart::test
