// The Llama family as GGUF names it (architecture "llama"): see llama.cpp.
#pragma once
#include <memory>
#include <vector>

#include "model/attention.h"
#include "model/causal_lm.h"
#include "tensor/matmul.h"

namespace hart {

struct LlamaConfig {
  int32_t n_vocab = 0, dim = 0, n_layer = 0, n_head = 0, n_head_kv = 0, head_dim = 0, ffn = 0, n_ctx = 0, n_rot = 0;
  float eps = 1e-5f, rope_base = 10000.0f;
};

// Reads llama.* metadata; a missing required key is an Error naming it.
LlamaConfig llama_config(const LoadedModel& m);

class LlamaModel : public CausalLM {
 public:
  LlamaModel(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool);
  int32_t n_vocab() const override { return c_.n_vocab; }
  int32_t n_ctx() const override { return c_.n_ctx; }
  const LlamaConfig& config() const { return c_; }
  void eval(std::span<const int32_t> tokens, std::vector<float>& logits, bool all_logits = false) override;

 private:
  struct Layer {
    std::vector<float> attn_norm;
    tensor::Weights wq, wk, wv, wo;
    std::vector<float> ffn_norm;
    tensor::Weights w_gate, w_up, w_down;
  };
  std::shared_ptr<const LoadedModel> m_;  // keeps the weights alive
  LlamaConfig c_;
  std::vector<Layer> layers_;
  std::vector<float> output_norm_;
  tensor::Weights output_{};
  KvCache cache_;
  AlignedVector<float> x_, xb_, q_, gate_, up_;  // scratch, sized per batch
};

}  // namespace hart
