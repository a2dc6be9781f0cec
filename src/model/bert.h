// BERT-family sentence embeddings (GGUF architecture "bert", llama.cpp's names):
// word + position + token-type embeddings, LayerNorm, post-LayerNorm encoder blocks
// with bidirectional attention and GELU (erf form, as Hugging Face computes it),
// then mean pooling over the tokens and L2 normalisation, as sentence-transformers do.
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
  // Hidden states of the last block, [n][dim]; token_types empty means all 0.
  std::vector<float> encode(std::span<const int32_t> tokens, std::span<const int32_t> token_types);
  // encode() mean-pooled and L2-normalised: the sentence embedding, dim floats.
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
