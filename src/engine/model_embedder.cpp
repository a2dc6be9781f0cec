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

std::vector<float> ModelEmbedder::embed_text(std::string_view text, size_t* n_tokens, std::string_view what) {
  std::vector<int32_t> ids = model_->tokenizer().encode(text, /*add_special=*/true);
  if (static_cast<int64_t>(ids.size()) > encoder_.config().n_ctx)
    throw UsageError("embed: " + std::string(what) + " is " + std::to_string(ids.size()) +
                     " tokens; the model's context is " + std::to_string(encoder_.config().n_ctx) + " tokens");
  if (n_tokens) *n_tokens = ids.size();
  return encoder_.embed(ids);
}

std::vector<float> ModelEmbedder::embed(std::span<const std::string> texts) {
  std::vector<float> out;
  out.reserve(texts.size() * dim());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<float> row = embed_text(texts[i], nullptr, "text " + std::to_string(i));
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

}  // namespace hart
