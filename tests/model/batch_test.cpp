// Continuous batching: several sequences' new tokens through one forward pass give
// exactly the logits each would get alone (the kernels compute every output row with
// the same operation sequence whatever the batch), and a copied prompt prefix is as
// good as one computed again.
#include "model/causal_lm.h"
#include "reference_models.h"
#include "support/test_support.h"
#include "util/error.h"

namespace hart::test {
namespace {

class BatchTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    reference::write_reference_models(dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  std::unique_ptr<CausalLM> model() {
    return make_causal_lm(LoadedModel::from_file(dir_->file(GetParam() + ".gguf"), GetParam()), 2);
  }
  static inline TempDir* dir_ = nullptr;
};

const std::vector<std::vector<int32_t>> kPrompts = {
    {1, 17, 42, 99, 150, 200, 250, 300, 7, 64}, {1, 5}, {1, 300, 4, 4, 90, 91, 92, 93, 200, 10, 11, 12, 13}};

// Each prompt alone, then three greedy steps one token at a time: every logits row.
std::vector<std::vector<float>> alone(CausalLM& lm, std::vector<std::vector<int32_t>>& continuations) {
  std::vector<std::vector<float>> rows;
  continuations.clear();
  for (const auto& p : kPrompts) {
    lm.reset();
    std::vector<float> logits;
    lm.eval(p, logits);
    rows.push_back(logits);
    std::vector<int32_t> next;
    for (int step = 0; step < 3; ++step) {
      next.push_back(static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin()));
      lm.eval(std::span<const int32_t>(&next.back(), 1), logits);
      rows.push_back(logits);
    }
    continuations.push_back(next);
  }
  return rows;
}

TEST_P(BatchTest, ABatchGivesEachSequenceItsOwnLogitsExactly) {
  auto lm = model();
  const int32_t V = lm->n_vocab();
  std::vector<std::vector<int32_t>> next;
  const auto expected = alone(*lm, next);
  std::vector<std::unique_ptr<Sequence>> seqs;
  for (size_t i = 0; i < kPrompts.size(); ++i) seqs.push_back(lm->new_sequence());
  // Prefill of all three prompts in one pass, then three decode steps of all three.
  std::vector<BatchItem> items;
  for (size_t i = 0; i < kPrompts.size(); ++i) items.push_back({seqs[i].get(), kPrompts[i]});
  std::vector<float> logits;
  lm->eval_batch(items, logits);
  ASSERT_EQ(logits.size(), kPrompts.size() * V);
  for (size_t i = 0; i < kPrompts.size(); ++i)
    EXPECT_TRUE(std::equal(expected[i * 4].begin(), expected[i * 4].end(), logits.begin() + i * V)) << "prefill " << i;
  for (int step = 0; step < 3; ++step) {
    for (size_t i = 0; i < kPrompts.size(); ++i) items[i].tokens = std::span<const int32_t>(&next[i][step], 1);
    lm->eval_batch(items, logits);
    for (size_t i = 0; i < kPrompts.size(); ++i)
      EXPECT_TRUE(std::equal(expected[i * 4 + 1 + step].begin(), expected[i * 4 + 1 + step].end(), logits.begin() + i * V))
          << "sequence " << i << " step " << step;
  }
  EXPECT_EQ(seqs[2]->n_past(), static_cast<int32_t>(kPrompts[2].size() + 3));
  // A sequence mid-prompt and others decoding share a pass too: the mix a server runs.
  auto fresh = lm->new_sequence();
  std::vector<BatchItem> mixed{{fresh.get(), kPrompts[0]}, {seqs[1].get(), std::span<const int32_t>(&next[1][0], 1)}};
  lm->eval_batch(mixed, logits);
  EXPECT_TRUE(std::equal(expected[0].begin(), expected[0].end(), logits.begin()));
}

TEST_P(BatchTest, ACopiedPrefixContinuesLikeTheOriginal) {
  auto lm = model();
  auto a = lm->new_sequence(), b = lm->new_sequence();
  std::vector<float> from_scratch, from_copy;
  std::vector<BatchItem> one{{a.get(), kPrompts[2]}};
  lm->eval_batch(one, from_scratch);
  // b takes a's first 8 positions, then computes only the last 5 prompt tokens.
  b->copy_prefix(*a, 8);
  EXPECT_EQ(b->tokens(), std::vector<int32_t>(kPrompts[2].begin(), kPrompts[2].begin() + 8));
  std::vector<BatchItem> rest{{b.get(), std::span<const int32_t>(kPrompts[2]).subspan(8)}};
  lm->eval_batch(rest, from_copy);
  EXPECT_EQ(from_copy, from_scratch);
  // Truncating and recomputing the tail is the same again (a slot reusing its cache).
  a->truncate(10);
  std::vector<BatchItem> tail{{a.get(), std::span<const int32_t>(kPrompts[2]).subspan(10)}};
  std::vector<float> again;
  lm->eval_batch(tail, again);
  EXPECT_EQ(again, from_scratch);
}

TEST_P(BatchTest, BadBatchesAreRefusedBeforeAnythingRuns) {
  auto lm = model();
  auto a = lm->new_sequence(8);
  std::vector<float> logits;
  std::vector<BatchItem> twice{{a.get(), kPrompts[1]}, {a.get(), kPrompts[1]}};
  EXPECT_THROW(lm->eval_batch(twice, logits), UsageError);
  std::vector<BatchItem> too_long{{a.get(), kPrompts[0]}};  // 10 tokens in a context of 8
  EXPECT_THROW(lm->eval_batch(too_long, logits), UsageError);
  EXPECT_EQ(a->n_past(), 0);
  EXPECT_THROW(lm->new_sequence(lm->n_ctx() + 1), UsageError);
}

INSTANTIATE_TEST_SUITE_P(Families, BatchTest,
                         ::testing::Values("llama_f32", "llama_q4_0", "qwen2_f32", "phi3_f32", "gemma2_f32",
                                           "gemma3_f32", "gpt2_f32"));

}  // namespace
}  // namespace hart::test
