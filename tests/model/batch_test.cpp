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

// An F16 KV cache (KvType::kF16): half the bytes, and logits within what rounding
// keys and values to 11 significant bits costs, with (nearly) the same greedy choices; batches
// over it are still exact, and a prefix cannot be copied between cache types.
TEST_P(BatchTest, AnF16CacheHalvesTheMemoryAndKeepsTheLogitsClose) {
  auto lm32 = model(), lm16 = model();
  lm16->set_kv_type(KvType::kF16);
  std::vector<int32_t> tokens = kPrompts[2];
  for (int i = 0; tokens.size() < 40; ++i) tokens.push_back(static_cast<int32_t>((i * 37 + 11) % lm32->n_vocab()));
  std::vector<float> a, b;
  lm32->eval(tokens, a, /*all_logits=*/true);
  lm16->eval(tokens, b, /*all_logits=*/true);
  const size_t V = static_cast<size_t>(lm32->n_vocab());
  float largest = 0, worst = 0;
  int same_choice = 0;
  for (size_t r = 0; r < tokens.size(); ++r) {
    const float* x = &a[r * V];
    const float* y = &b[r * V];
    for (size_t v = 0; v < V; ++v) {
      largest = std::max(largest, std::abs(x[v]));
      worst = std::max(worst, std::abs(x[v] - y[v]));
    }
    same_choice += std::max_element(x, x + V) - x == std::max_element(y, y + V) - y;
  }
  // Quantized weights quantize their activations to 8 bits too, and a rounded key can
  // move a value across a step of that grid: there the gap is a step, not a rounding.
  const bool quantized = GetParam().find("_q") != std::string::npos;
  EXPECT_LT(worst, (quantized ? 3e-2f : 2e-3f) * largest) << "largest logit " << largest;
  EXPECT_GE(same_choice, static_cast<int>(tokens.size()) - (quantized ? 4 : 1));
  RecordProperty("f16_cache_max_logit_error", std::to_string(worst) + " of " + std::to_string(largest));

  auto s32 = lm32->new_sequence(), s16 = lm16->new_sequence();
  std::vector<BatchItem> items{{s32.get(), kPrompts[0]}};
  lm32->eval_batch(items, a);
  items[0].sequence = s16.get();
  lm16->eval_batch(items, b);
  EXPECT_EQ(s16->cache.type(), KvType::kF16);
  EXPECT_EQ(s16->cache.bytes() * 2, s32->cache.bytes());
  EXPECT_THROW(s16->copy_prefix(*s32, 2), Error);

  // Batched over F16 caches: each sequence's logits exactly as alone.
  std::vector<std::vector<int32_t>> next;
  const auto expected = alone(*lm16, next);
  std::vector<std::unique_ptr<Sequence>> seqs;
  std::vector<BatchItem> all;
  for (const auto& p : kPrompts) {
    seqs.push_back(lm16->new_sequence());
    all.push_back({seqs.back().get(), p});
  }
  lm16->eval_batch(all, b);
  for (size_t i = 0; i < kPrompts.size(); ++i)
    EXPECT_TRUE(std::equal(b.begin() + i * V, b.begin() + (i + 1) * V, expected[i * 4].begin())) << "sequence " << i;
}

INSTANTIATE_TEST_SUITE_P(Families, BatchTest,
                         ::testing::Values("llama_f32", "llama_q4_0", "qwen2_f32", "phi3_f32", "gemma2_f32",
                                           "gemma3_f32", "gpt2_f32"));

}  // namespace
}  // namespace hart::test
