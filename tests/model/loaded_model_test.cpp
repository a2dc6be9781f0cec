#include "model/loaded_model.h"
#include "model/model_cache.h"
#include "../store/store_fixture.h"
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
  auto m = LoadedModel::load(db->handle(), require_model(*db, "m"));
  ASSERT_EQ(m->tensors().size(), 4u);
  for (const BuiltTensor& t : model.tensors) {
    const TensorView& v = m->require(t.name);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data) % kTensorAlignment, 0u) << t.name;
    ASSERT_EQ(v.n_bytes, t.bytes.size());
    EXPECT_EQ(v.dtype, t.dtype);
    // Q8_0/Q4_0 matrices are re-laid for the AVX-512 kernels when this CPU runs them;
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

TEST_F(LoadedModelTest, MissingTensorOrKeyNamesIt) {
  auto m = LoadedModel::load(db->handle(), require_model(*db, "m"));
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
