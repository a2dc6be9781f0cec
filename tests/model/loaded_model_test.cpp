#include "../store/store_fixture.h"
#include "engine/model_cache.h"
#include "engine/stored_model.h"
#include "model/causal_lm.h"
#include "model/loaded_model.h"
#include "store/model_ingest.h"
#include "support/model_builder.h"
#include "tensor/interleave.h"
#include "util/error.h"

namespace hart::test {
namespace {

class LoadedModelTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    model.add("token_embd.weight", {100, 64}, DType::F32, 1);
    model.add("blk.0.attn_q.weight", {64, 64}, DType::Q8_0, 2);
    model.add("blk.0.ffn_up.weight", {128, 256}, DType::Q4_K, 3);
    model.tensors.push_back(model.tensors[0]);  // a tied output: same bytes as the embedding
    model.tensors.back().name = "output.weight";
    model.metadata["llama.block_count"] = 1;
    model.metadata_types["llama.block_count"] = "u32";
    model.metadata["llama.rope.freq_base"] = 10000.0;
    model.metadata_types["llama.rope.freq_base"] = "f32";
    model.write_gguf(dir.file("m.gguf"));
    ingest_model(*db, dir.file("m.gguf"), {"m"});
  }
  BuiltModel model;
};

TEST_F(LoadedModelTest, TensorsAreAlignedCopiesOfTheStoredBytes) {
  auto m = load_stored_model(db->handle(), require_model(*db, "m"));
  ASSERT_EQ(m->tensors().size(), 4u);
  for (const BuiltTensor& t : model.tensors) {
    const TensorView& v = m->require(t.name);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data) % kTensorAlignment, 0u) << t.name;
    ASSERT_EQ(v.n_bytes, t.bytes.size());
    EXPECT_EQ(v.dtype, t.dtype);
    // Q8_0/Q4_0/Q4_K matrices are re-laid for the SIMD kernels when this CPU runs them;
    // their plain rows must still be the stored bytes.
    const bool interleave = v.shape.size() == 2 && tensor::interleave_pays(v.dtype, v.rows(), v.cols());
    EXPECT_EQ(v.interleaved, interleave) << t.name;
    std::string plain(v.n_bytes, '\0');
    const size_t row_bytes = v.n_bytes / v.rows();
    for (uint64_t r = 0; r < v.rows(); ++r) {
      if (interleave) tensor::deinterleave_row(v.dtype, v.data, v.cols(), r, reinterpret_cast<uint8_t*>(plain.data()) + r * row_bytes);
      else std::memcpy(plain.data() + r * row_bytes, v.data + r * row_bytes, row_bytes);
    }
    EXPECT_EQ(plain, t.bytes) << t.name;
  }
  EXPECT_EQ(m->require("blk.0.ffn_up.weight").rows(), 128u);
  EXPECT_EQ(m->require("blk.0.ffn_up.weight").cols(), 256u);
  // The tied output shares the embedding's memory.
  EXPECT_EQ(m->require("output.weight").data, m->require("token_embd.weight").data);
  uint64_t distinct = 0;
  for (size_t i = 0; i < 3; ++i) distinct += (model.tensors[i].bytes.size() + 63) / 64 * 64;
  EXPECT_EQ(m->resident_bytes(), distinct);
  EXPECT_EQ(m->require_int("llama.block_count"), 1);
  EXPECT_DOUBLE_EQ(*m->meta_float("llama.rope.freq_base"), 10000.0);
}

// model/ needs no database: a file read directly gives the same tensors (including
// the tied output's shared copy) and metadata as the stored model.
TEST_F(LoadedModelTest, AFileLoadsWithoutADatabaseAsTheStoredModelDoes) {
  auto stored = load_stored_model(db->handle(), require_model(*db, "m"));
  auto direct = LoadedModel::from_file(dir.file("m.gguf"), "m");
  EXPECT_EQ(direct->info().name, "m");
  EXPECT_EQ(direct->info().id, 0);
  EXPECT_EQ(direct->metadata(), stored->metadata());
  EXPECT_EQ(direct->metadata_types(), stored->metadata_types());
  ASSERT_EQ(direct->tensors().size(), stored->tensors().size());
  for (const TensorView& s : stored->tensors()) {
    const TensorView& d = direct->require(s.name);
    EXPECT_EQ(d.shape, s.shape) << s.name;
    EXPECT_EQ(d.interleaved, s.interleaved) << s.name;
    ASSERT_EQ(d.n_bytes, s.n_bytes) << s.name;
    EXPECT_EQ(std::memcmp(d.data, s.data, s.n_bytes), 0) << s.name;
  }
  // Without chunk lists, only the stored model knows the output is tied.
  EXPECT_GT(direct->resident_bytes(), stored->resident_bytes());
  EXPECT_THROW(LoadedModel::from_file(dir.file("missing.gguf"), "x"), Error);
}

TEST_F(LoadedModelTest, ARealModelFileRunsWithoutADatabase) {
  HART_REQUIRE_SHARED(path, "stories260K/stories260K.gguf");
  ingest_model(*db, path, {"stories260K"});
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  std::vector<float> from_file, from_store;
  make_causal_lm(LoadedModel::from_file(path, "stories260K"), 1)->eval(prompt, from_file);
  make_causal_lm(load_stored_model(db->handle(), require_model(*db, "stories260K")), 1)->eval(prompt, from_store);
  ASSERT_EQ(from_file.size(), 512u);
  EXPECT_EQ(from_file, from_store);
}

TEST_F(LoadedModelTest, MissingTensorOrKeyNamesIt) {
  auto m = load_stored_model(db->handle(), require_model(*db, "m"));
  try {
    m->require("blk.7.attn_k.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("blk.7.attn_k.weight"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'m'"));
  }
  EXPECT_THROW(m->require_int("llama.context_length"), Error);
}

TEST_F(LoadedModelTest, CacheNoticesRemovalAndReplacement) {
  ModelCache cache;
  auto first = cache.get(db->handle(), "m");
  EXPECT_EQ(cache.get(db->handle(), "m"), first);  // cached
  remove_model(*db, "m");
  EXPECT_THROW(cache.get(db->handle(), "m"), UsageError);
  BuiltModel other;
  other.add("token_embd.weight", {10, 64}, DType::F32, 9);
  other.write_gguf(dir.file("other.gguf"));
  ingest_model(*db, dir.file("other.gguf"), {"m"});
  auto second = cache.get(db->handle(), "m");
  EXPECT_NE(second, first);
  EXPECT_EQ(second->tensors().size(), 1u);
  EXPECT_EQ(first->tensors().size(), 4u);  // holders of the old model keep it intact
}

}  // namespace
}  // namespace hart::test
