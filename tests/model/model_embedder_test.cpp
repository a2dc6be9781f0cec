// The stored-model Embedder (engine/model_embedder.h) on the project's reference BERT:
// the vectors embed() gives are the encoder's own, unit length, and go straight into a
// VectorIndex of the embedder's space, where each text finds itself first.
#include <cmath>

#include "../store/store_fixture.h"
#include "engine/model_embedder.h"
#include "engine/stored_model.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "util/error.h"
#include "vector/exact_index.h"

namespace hart::test {
namespace {

class ModelEmbedderTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    reference::write_reference_models(models.path());
    ingest_model(*db, models.file("bert_f32.gguf"), {"bert"});
  }
  TempDir models;
};

// The reference model's vocabulary has no word-start pieces, so every word is [UNK]
// and texts differ by their length (the positions) alone: one of each length.
const std::vector<std::string> kTexts = {"one", "one two", "one two three", "one two three four",
                                         "one two three four five"};

TEST_F(ModelEmbedderTest, RowsAreTheEncodersUnitLengthEmbeddings) {
  ModelEmbedder embedder(db->handle(), "bert");
  ASSERT_EQ(embedder.dim(), 64u);
  EXPECT_EQ(embedder.space().metric(), vector::Metric::InnerProduct);
  std::vector<float> rows = embedder.embed(kTexts);
  ASSERT_EQ(rows.size(), kTexts.size() * 64);

  auto loaded = load_stored_model(db->handle(), require_model(*db, "bert"));
  BertEncoder encoder(loaded, 1);
  for (size_t i = 0; i < kTexts.size(); ++i) {
    std::vector<float> want = encoder.embed(loaded->tokenizer().encode(kTexts[i], /*add_special=*/true));
    std::vector<float> got(rows.begin() + i * 64, rows.begin() + (i + 1) * 64);
    EXPECT_EQ(got, want) << kTexts[i];
    double norm = 0;
    for (float v : got) norm += double(v) * v;
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5) << kTexts[i];
  }
  // Different texts give different vectors (the model is not constant).
  EXPECT_NE(std::vector<float>(rows.begin(), rows.begin() + 64), std::vector<float>(rows.begin() + 64, rows.begin() + 128));
}

TEST_F(ModelEmbedderTest, EachTextFindsItselfFirstInAnExactIndex) {
  ModelEmbedder embedder(db->handle(), "bert");
  std::vector<float> rows = embedder.embed(kTexts);
  vector::ExactIndex index(embedder.space());
  for (size_t i = 0; i < kTexts.size(); ++i) index.add(100 + int64_t(i), {rows.data() + i * 64, 64});
  for (size_t i = 0; i < kTexts.size(); ++i) {
    std::vector<float> query = embedder.embed_text(kTexts[i]);
    auto hits = index.search(query, 3);
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_EQ(hits[0].id, 100 + int64_t(i)) << kTexts[i];
    EXPECT_LT(hits[0].distance, hits[1].distance) << kTexts[i];
  }
}

TEST_F(ModelEmbedderTest, ATextOverTheContextIsAnErrorNamingItsPosition) {
  ModelEmbedder embedder(db->handle(), "bert");
  std::string long_text;
  for (int i = 0; i < 4096; ++i) long_text += "word ";
  std::vector<std::string> texts = {"fine", long_text};
  try {
    embedder.embed(texts);
    FAIL() << "a text over the context was embedded";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("text 1 is"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("the model's context is"));
  }
}

TEST_F(ModelEmbedderTest, ANonBertModelIsRefusedByName) {
  ingest_model(*db, models.file("llama_f32.gguf"), {"llama"});
  try {
    ModelEmbedder embedder(db->handle(), "llama");
    FAIL() << "a llama model became an embedder";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'llama' is a llama model; embeddings come from the bert architecture"));
  }
}

}  // namespace
}  // namespace hart::test
