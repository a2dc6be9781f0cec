// BERT-family sentence embeddings (GGUF architecture "bert", llama.cpp's names):
// word + position + token-type embeddings, LayerNorm, post-LayerNorm encoder blocks
// with bidirectional attention and GELU (erf form, as Hugging Face computes it),
// then mean pooling over the tokens and L2 normalisation, as sentence-transformers do.
//
// Several texts run as one packed batch: their tokens concatenated into one
// [tokens][dim] matrix for every per-token step (embeddings, LayerNorms, the
// projections, the feed-forward), no padding, and attention per text over its own
// rows (model/attention.h, packed_attention). One text is the batch of one.
#pragma once
#include <memory>
#include <span>
#include <vector>

#include "model/attention.h"
#include "model/forward_observer.h"
#include "model/linear.h"
#include "model/loaded_model.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"

namespace hart {

// The most tokens embed_batch() puts through one forward pass unless told otherwise:
// larger batches are split, each text whole. Scratch is (6 * dim + ffn) floats a
// token (16 MB at bge-small's 384 / 1536); bigger passes spill the caches and were
// slower (bench/README.md, "Batched BERT embedding": 512 to 1,024 fastest, 4,096 below
// one text a pass).
inline constexpr size_t kBertPassTokens = 1024;

struct BertConfig {
  int32_t n_vocab = 0, dim = 0, n_layer = 0, n_head = 0, head_dim = 0, ffn = 0, n_ctx = 0, n_types = 0;
  float eps = 1e-12f;
};

BertConfig bert_config(const LoadedModel& m);

class BertEncoder {
 public:
  // Runs on `pool` (null: tensor::process_pool()).
  BertEncoder(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool);
  // The same on tensor::shared_pool(threads).
  BertEncoder(std::shared_ptr<const LoadedModel> model, int threads);
  const BertConfig& config() const { return c_; }
  const std::shared_ptr<tensor::ThreadPool>& pool() const { return pool_; }
  // Called during every encode from now on (see forward_observer.h); nullptr = none.
  void set_observer(ForwardObserver* observer) { observer_ = observer; }
  // Hidden states of the last block for a packed batch, [tokens][dim]: sequence s is
  // the next lengths[s] tokens (its positions start at 0). token_types empty means
  // all 0, else one per token. One forward pass, however many tokens: bound them
  // (embed_batch does). With an observer set, each point calls it once per sequence,
  // in order, with that sequence's rows.
  std::vector<float> encode_batch(std::span<const int32_t> tokens, std::span<const size_t> lengths,
                                  std::span<const int32_t> token_types = {});
  // Sentence embeddings of a packed batch, lengths.size() rows of dim floats: each
  // sequence's last hidden states mean-pooled and L2-normalised. Runs in forward
  // passes of at most max_pass_tokens tokens (a longer sequence alone in its pass).
  std::vector<float> embed_batch(std::span<const int32_t> tokens, std::span<const size_t> lengths,
                                 std::span<const int32_t> token_types = {}, size_t max_pass_tokens = kBertPassTokens);
  // One sequence: the batch of one.
  std::vector<float> encode(std::span<const int32_t> tokens, std::span<const int32_t> token_types);
  std::vector<float> embed(std::span<const int32_t> tokens, std::span<const int32_t> token_types = {});

 private:
  struct Layer {
    Linear q, k, v, out;
    std::vector<float> attn_norm_w, attn_norm_b;
    Linear up, down;
    std::vector<float> out_norm_w, out_norm_b;
  };

  std::shared_ptr<const LoadedModel> m_;
  BertConfig c_;
  std::shared_ptr<tensor::ThreadPool> pool_;
  ForwardObserver* observer_ = nullptr;
  std::vector<Layer> layers_;
  std::vector<float> emb_norm_w_, emb_norm_b_;
};

}  // namespace hart
