// A stored BERT-family model as a vector::Embedder: each text's mean-pooled,
// L2-normalised sentence embedding (what the SQL function embed() returns). The rows
// are unit length, so the space is InnerProduct (cosine without the division).
// embed() runs its texts as packed batches (BertEncoder::embed_batch: up to
// kBertPassTokens tokens a forward pass); embed_text() is the batch of one.
//
// Embedding many texts for an index records nothing by itself: the caller records
// what it did (run_embed records one inferences row per call).
#pragma once
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/bert.h"
#include "store/sqlite_api.h"
#include "tensor/thread_pool.h"
#include "vector/embedder.h"

namespace hart {

class ModelEmbedder : public vector::Embedder {
 public:
  // The model named `model` in `db` (through the process's model cache), run on `pool`
  // (null: tensor::process_pool()). A model of another architecture is a UsageError.
  ModelEmbedder(sqlite3* db, const std::string& model, std::shared_ptr<tensor::ThreadPool> pool = nullptr);

  size_t dim() const override { return space_.dim(); }
  const vector::Space& space() const override { return space_; }
  std::vector<float> embed(std::span<const std::string> texts) override { return embed(texts, nullptr); }
  // The same; `n_tokens` (optional) receives the tokens of all the texts.
  std::vector<float> embed(std::span<const std::string> texts, size_t* n_tokens);

  // One text; `n_tokens` (optional) receives its token count. A text longer than the
  // model's context is a UsageError naming `what` and both lengths.
  std::vector<float> embed_text(std::string_view text, size_t* n_tokens = nullptr,
                                std::string_view what = "the text");
  const LoadedModel& model() const { return *model_; }

 private:
  // The text's token ids with [CLS] and [SEP]; over the context is the UsageError above.
  std::vector<int32_t> tokens(std::string_view text, std::string_view what) const;

  std::shared_ptr<const LoadedModel> model_;
  BertEncoder encoder_;
  vector::Space space_;
};

}  // namespace hart
