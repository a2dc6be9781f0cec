// BERT against the PyTorch reference (tests/reference/bert_ref.py): per-token hidden
// states and the mean-pooled, L2-normalised sentence embedding.
#include <cmath>

#include "engine/stored_model.h"
#include "../store/store_fixture.h"
#include "formats/safetensors.h"
#include "model/bert.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "util/mapped_file.h"

namespace hart::test {
namespace {

double row_error(const float* a, const float* b, size_t n) {  // the goldens' metric
  double diff = 0, scale = 0;
  for (size_t j = 0; j < n; ++j) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[j]) - b[j]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[j])));
  }
  return diff / scale;
}

class BertGoldenTest : public StoreTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(BertGoldenTest, HiddenStatesAndEmbeddingMatchTheReference) {
  const std::string golden = GetParam();
  std::string path = source_dir() + "/tests/golden/reference/" + golden + ".golden.safetensors";
  MappedFile f(path);
  ModelFile g = read_safetensors(f.data(), f.size(), path);
  auto bytes = [&](const std::string& name) {
    for (const TensorInfo& t : g.tensors)
      if (t.name == name) return std::string(reinterpret_cast<const char*>(f.data() + g.data_offset + t.offset), t.n_bytes);
    throw std::runtime_error("no " + name);
  };
  auto as = [](const std::string& b, auto zero) {
    std::vector<decltype(zero)> v(b.size() / sizeof(zero));
    std::memcpy(v.data(), b.data(), b.size());
    return v;
  };
  std::vector<int32_t> tokens = as(bytes("tokens"), int32_t{}), types = as(bytes("token_types"), int32_t{});
  std::vector<float> hidden = as(bytes("hidden"), float{}), embedding = as(bytes("embedding"), float{});
  double tol = std::stod(g.metadata["tolerance"].get<std::string>());

  const std::string model_path = g.metadata["model"].get<std::string>();
  TempDir models;
  for (const auto& w : reference::write_reference_models(models.path())) {
    if (w.path == model_path) {
      ASSERT_EQ(w.sha256, g.metadata["model_sha256"].get<std::string>());
    }
  }
  ingest_model(*db, models.file(model_path), {"bert"});
  BertEncoder enc(load_stored_model(db->handle(), require_model(*db, "bert")), 2);
  const size_t dim = enc.config().dim;
  std::vector<float> h = enc.encode(tokens, types);
  ASSERT_EQ(h.size(), hidden.size());
  double worst = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    double err = row_error(&h[i * dim], &hidden[i * dim], dim);
    worst = std::max(worst, err);
    EXPECT_LE(err, tol) << "token " << i;
  }
  std::vector<float> e = enc.embed(tokens, types);
  double e_err = row_error(e.data(), embedding.data(), dim);
  EXPECT_LE(e_err, tol);
  double norm = 0;
  for (float v : e) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
  std::printf("%s: worst hidden-row error %.3g, embedding error %.3g (tolerance %g)\n", golden.c_str(), worst, e_err,
              tol);
}

INSTANTIATE_TEST_SUITE_P(Reference, BertGoldenTest, ::testing::Values("bert_f32", "bert_hf"));

}  // namespace
}  // namespace hart::test
