// GPT-2 as GGUF names it (architecture "gpt2", llama.cpp's tensor layout): learned
// positions, pre-LayerNorm blocks, fused QKV, GELU (tanh form), biases everywhere.
#pragma once
#include <memory>
#include <vector>

#include "model/attention.h"
#include "model/linear.h"
#include "model/causal_lm.h"
#include "tensor/matmul.h"

namespace hart {

struct Gpt2Config {
  int32_t n_vocab = 0, dim = 0, n_layer = 0, n_head = 0, head_dim = 0, ffn = 0, n_ctx = 0;
  float eps = 1e-5f;
};

Gpt2Config gpt2_config(const LoadedModel& m);

class Gpt2Model : public CausalLM {
 public:
  Gpt2Model(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool);
  int32_t n_vocab() const override { return c_.n_vocab; }
  int32_t n_ctx() const override { return c_.n_ctx; }

 protected:
  // Runs the items one after another (no shared matrix products yet).
  void forward(std::span<const BatchItem> items, std::vector<float>& logits, bool all_logits) override;
  size_t kv_layers() const override { return c_.n_layer; }
  size_t kv_dim() const override { return c_.dim; }
  const LoadedModel& loaded() const override { return *m_; }

 private:
  void forward_one(const BatchItem& item, float* logits, bool all_logits);
  struct Layer {
    std::vector<float> ln1_w, ln1_b;
    Linear qkv, proj;
    std::vector<float> ln2_w, ln2_b;
    Linear up, down;
  };

  std::shared_ptr<const LoadedModel> m_;
  Gpt2Config c_;
  std::vector<Layer> layers_;
  std::vector<float> lnf_w_, lnf_b_;
  tensor::Weights output_{};
  AlignedVector<float> x_, xb_, qkv_, q_, att_, h_;
};

}  // namespace hart
