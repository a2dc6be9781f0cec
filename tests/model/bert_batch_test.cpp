// Packed batches (BertEncoder::embed_batch, ModelEmbedder::embed) give the vectors
// one-by-one embedding gives: texts of different lengths, passes split by the token
// budget, on the tiny reference BERT and on a bge-small-shaped BERT with the real
// WordPiece vocabulary and WikiText-2 passages.
//
// The bound, kBatchTolerance = 1e-5 on any component of a unit-length embedding: a
// packed batch does the same arithmetic per row as the batch of one except inside the
// matrix multiplications, whose kernels may tile a matrix of many rows differently
// from one of few (and so add the products of one dot product in another order).
// Float32 reassociation over a 384- or 1536-long sum moves a result by a few ulp of
// its terms; through 12 LayerNorms that stays near 1e-6 on O(1) hidden values, and the
// mean over a sequence's rows and the normalisation do not amplify it. The tests
// print the largest difference they measured: 0 on the AVX-512 machine of
// bench/README.md (its kernels sum each row's products in the same order whatever
// the row count), so the bound is there for other kernel paths.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "../store/store_fixture.h"
#include "engine/model_embedder.h"
#include "engine/stored_model.h"
#include "model/bert.h"
#include "reference_models.h"
#include "store/model_ingest.h"

namespace hart::test {
namespace {

constexpr double kBatchTolerance = 1e-5;

double max_abs_diff(const float* a, const float* b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
  return worst;
}

class BertBatchTest : public StoreTest {};

TEST_F(BertBatchTest, PackedBatchesEqualOneByOneOnTheReferenceModel) {
  TempDir models;
  reference::write_reference_models(models.path());
  ingest_model(*db, models.file("bert_f32.gguf"), {"bert"});
  BertEncoder enc(load_stored_model(db->handle(), require_model(*db, "bert")), 2);
  const size_t dim = enc.config().dim;
  // Lengths 1 .. context (64), token ids and types spread over the vocabulary.
  const std::vector<size_t> lengths = {7, 1, 64, 2, 33, 17, 5, 50, 3, 64, 12};
  std::vector<int32_t> tokens, types;
  for (size_t s = 0, k = 0; s < lengths.size(); ++s)
    for (size_t i = 0; i < lengths[s]; ++i, ++k) {
      tokens.push_back(static_cast<int32_t>((k * 37 + 11) % enc.config().n_vocab));
      types.push_back(static_cast<int32_t>(k % 3 == 0));
    }
  std::vector<float> alone;
  std::vector<float> hidden_alone;
  for (size_t s = 0, first = 0; s < lengths.size(); first += lengths[s++]) {
    std::span<const int32_t> t(tokens.data() + first, lengths[s]), ty(types.data() + first, lengths[s]);
    std::vector<float> e = enc.embed(t, ty), h = enc.encode(t, ty);
    alone.insert(alone.end(), e.begin(), e.end());
    hidden_alone.insert(hidden_alone.end(), h.begin(), h.end());
  }
  // Hidden states of one pass over all of them, row for row.
  std::vector<float> hidden = enc.encode_batch(tokens, lengths, types);
  ASSERT_EQ(hidden.size(), hidden_alone.size());
  const double hidden_diff = max_abs_diff(hidden.data(), hidden_alone.data(), hidden.size());
  EXPECT_LE(hidden_diff, kBatchTolerance);
  // Budgets from one pass for everything down to one text a pass (a 64-token text
  // alone over a budget of 16), splitting the batch at different places.
  for (size_t budget : {kBertPassTokens, size_t{100}, size_t{64}, size_t{16}, size_t{1}}) {
    std::vector<float> batch = enc.embed_batch(tokens, lengths, types, budget);
    ASSERT_EQ(batch.size(), lengths.size() * dim);
    const double diff = max_abs_diff(batch.data(), alone.data(), batch.size());
    EXPECT_LE(diff, kBatchTolerance) << "budget " << budget;
    std::printf("reference bert, budget %zu: max |batched - alone| %.3g (hidden rows %.3g)\n", budget, diff,
                hidden_diff);
  }
}

TEST_F(BertBatchTest, BadPackingsAreUsageErrors) {
  TempDir models;
  reference::write_reference_models(models.path());
  ingest_model(*db, models.file("bert_f32.gguf"), {"bert"});
  BertEncoder enc(load_stored_model(db->handle(), require_model(*db, "bert")), 1);
  const std::vector<int32_t> tokens = {5, 6, 7};
  EXPECT_THROW(enc.embed_batch(tokens, std::vector<size_t>{2}), UsageError);        // lengths short of the tokens
  EXPECT_THROW(enc.embed_batch(tokens, std::vector<size_t>{2, 0, 1}), UsageError);  // an empty sequence
  EXPECT_THROW(enc.embed_batch(std::vector<int32_t>(65, 5), std::vector<size_t>{65}), UsageError);  // over n_ctx
  EXPECT_TRUE(enc.embed_batch({}, {}).empty());  // no texts, no rows
}

// WikiText-2 lines cut at word boundaries to 40 .. ~1,400 bytes (about 10 to 330 of
// bge's tokens): texts of many lengths, together well over one pass's budget.
std::vector<std::string> wikitext_passages(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (out.size() < count && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() < 40 || line.find(" = ") == 0) continue;  // blank lines and headings
    size_t cut = 40 + (out.size() * 397) % 1400;
    if (line.size() > cut) line.resize(line.rfind(' ', cut) == std::string::npos ? cut : line.rfind(' ', cut));
    out.push_back(line);
  }
  return out;
}

TEST_F(BertBatchTest, ModelEmbedderBatchesEqualOneByOneOnWikiTextWithTheBgeVocabulary) {
  // No trained BERT GGUF is in the shared data; its bge vocabulary file carries
  // bge-small-en-v1.5's tokenizer and shape, so this model tokenizes as bge does and
  // has its width (384, 12 heads, FFN 1536), with random weights and 2 of its 12
  // blocks to keep the test short.
  HART_REQUIRE_SHARED(vocab, "llamacpp-vocab/ggml-vocab-bert-bge.gguf");
  HART_REQUIRE_SHARED(wiki, "wikitext2-raw/wiki.test.raw");
  TempDir models;
  reference::write_bert_from_vocab(vocab, models.path(), "bge_shaped.gguf", /*layers=*/2);
  ingest_model(*db, models.file("bge_shaped.gguf"), {"bge"});
  ModelEmbedder embedder(db->handle(), "bge", tensor::shared_pool(2));
  const std::vector<std::string> texts = wikitext_passages(wiki, 96);
  ASSERT_EQ(texts.size(), 96u);

  std::vector<float> alone;
  size_t total = 0, shortest = SIZE_MAX, longest = 0;
  for (const std::string& t : texts) {
    size_t n = 0;
    std::vector<float> e = embedder.embed_text(t, &n);
    alone.insert(alone.end(), e.begin(), e.end());
    total += n;
    shortest = std::min(shortest, n);
    longest = std::max(longest, n);
  }
  ASSERT_GT(total, 2 * kBertPassTokens) << "the batch must split into at least three passes";
  std::vector<float> batch = embedder.embed(texts);
  ASSERT_EQ(batch.size(), alone.size());
  const double diff = max_abs_diff(batch.data(), alone.data(), batch.size());
  EXPECT_LE(diff, kBatchTolerance);
  std::printf("bge-shaped bert, %zu texts of %zu..%zu tokens (%zu in all): max |batched - alone| %.3g\n",
              texts.size(), shortest, longest, total, diff);
}

}  // namespace
}  // namespace hart::test
