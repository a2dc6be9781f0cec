#include "engine/model_embedder.h"

#include "engine/model_cache.h"
#include "util/error.h"

namespace hart {
namespace {

std::shared_ptr<const LoadedModel> bert_model(sqlite3* db, const std::string& name) {
  auto loaded = ModelCache::global().get(db, name);
  if (loaded->architecture() != "bert")
    throw UsageError("embed: model '" + name + "' is a " + loaded->architecture() +
                     " model; embeddings come from the bert architecture");
  return loaded;
}

}  // namespace

ModelEmbedder::ModelEmbedder(sqlite3* db, const std::string& model, std::shared_ptr<tensor::ThreadPool> pool)
    : model_(bert_model(db, model)),
      encoder_(model_, std::move(pool)),
      space_(vector::Metric::InnerProduct, static_cast<size_t>(encoder_.config().dim)) {}

std::vector<int32_t> ModelEmbedder::tokens(std::string_view text, std::string_view what) const {
  std::vector<int32_t> ids = model_->tokenizer().encode(text, /*add_special=*/true);
  if (static_cast<int64_t>(ids.size()) > encoder_.config().n_ctx)
    throw UsageError("embed: " + std::string(what) + " is " + std::to_string(ids.size()) +
                     " tokens; the model's context is " + std::to_string(encoder_.config().n_ctx) + " tokens");
  return ids;
}

std::vector<float> ModelEmbedder::embed_text(std::string_view text, size_t* n_tokens, std::string_view what) {
  std::vector<int32_t> ids = tokens(text, what);
  if (n_tokens) *n_tokens = ids.size();
  return encoder_.embed(ids);
}

std::vector<float> ModelEmbedder::embed(std::span<const std::string> texts, size_t* n_tokens) {
  // All the texts as one packed batch; the encoder splits it into bounded passes.
  std::vector<int32_t> packed;
  std::vector<size_t> lengths;
  lengths.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int32_t> ids = tokens(texts[i], "text " + std::to_string(i));
    packed.insert(packed.end(), ids.begin(), ids.end());
    lengths.push_back(ids.size());
  }
  if (n_tokens) *n_tokens = packed.size();
  return encoder_.embed_batch(packed, lengths);
}

}  // namespace hart
