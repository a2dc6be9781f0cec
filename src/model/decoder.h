// The decoder-only transformers of the Llama lineage, one forward pass for every
// architecture decoder_config.h lists (llama, qwen2, qwen3, phi3, gemma, gemma2,
// gemma3): see llama.cpp's src/models/ for each.
#pragma once
#include <memory>
#include <vector>

#include "model/attention.h"
#include "model/causal_lm.h"
#include "model/decoder_config.h"
#include "model/linear.h"
#include "tensor/matmul.h"

namespace hart {

class DecoderModel : public CausalLM {
 public:
  DecoderModel(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool);
  int32_t n_vocab() const override { return c_.n_vocab; }
  int32_t n_ctx() const override { return c_.n_ctx; }
  const DecoderConfig& config() const { return c_; }

 protected:
  void forward(std::span<const BatchItem> items, std::vector<float>& logits, bool all_logits) override;
  size_t kv_layers() const override { return c_.n_layer; }
  size_t kv_dim() const override { return static_cast<size_t>(c_.n_head_kv) * c_.head_dim; }
  const LoadedModel& loaded() const override { return *m_; }

 private:
  // A block; optional parts are empty when the file has no such tensor.
  struct Layer {
    std::vector<float> attn_norm;
    Linear qkv{};                        // fused [q | k | v] (Phi-3), or rows == 0
    Linear q{}, k{}, v{};                // separate, biases optional (Qwen 2)
    std::vector<float> q_norm, k_norm;   // per-head RMSNorm of queries and keys (Qwen 3, Gemma 3)
    Linear o{};
    std::vector<float> attn_post_norm;   // on the attention output before the residual (Gemma 2/3)
    std::vector<float> ffn_norm;
    tensor::Weights gate{}, up{}, down{};  // gate.rows == 0: up is [gate | up] fused (Phi-3)
    std::vector<float> ffn_post_norm;
  };
  // One forward pass's rows: every item's new tokens, one after another.
  struct Rows {
    std::span<const BatchItem> items;
    std::vector<AttentionSpan> spans;  // per item: its rows, positions and cache
    std::vector<int32_t> pos;          // per row: its position in its sequence
    size_t n = 0;
    // What an observer is shown (single-sequence passes only).
    HiddenRows rows(const float* data, size_t width) const;
  };
  void attention_block(const Layer& L, int layer, const Rows& rows);
  void feed_forward_block(const Layer& L, int layer, const Rows& rows);

  std::shared_ptr<const LoadedModel> m_;  // keeps the weights alive
  DecoderConfig c_;
  std::vector<Layer> layers_;
  std::vector<float> output_norm_, rope_factors_;
  Linear output_{};
  AlignedVector<float> x_, xb_, q_, k_, v_, qkv_, gate_, up_;  // scratch, sized per batch
};

}  // namespace hart
