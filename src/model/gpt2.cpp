// GPT-2 forward pass, top to bottom:
//   token + position embedding -> per block: LayerNorm, fused QKV (+bias), causal
//   attention over the KV cache, projection (+bias), residual; LayerNorm, up (+bias),
//   GELU, down (+bias), residual -> final LayerNorm -> output matrix.
#include "model/gpt2.h"

#include <cmath>
#include <cstring>
#include <string>

#include "model/ops.h"
#include "tensor/ops.h"
#include "model/weights_check.h"
#include "util/error.h"

namespace hart {

// ----------------------------------------------------------------------------
// Configuration from the model's own metadata

Gpt2Config gpt2_config(const LoadedModel& m) {
  Gpt2Config c;
  c.dim = static_cast<int32_t>(m.require_int("gpt2.embedding_length"));
  c.n_layer = static_cast<int32_t>(m.require_int("gpt2.block_count"));
  c.n_head = static_cast<int32_t>(m.require_int("gpt2.attention.head_count"));
  c.ffn = static_cast<int32_t>(m.meta_int("gpt2.feed_forward_length").value_or(4 * c.dim));
  c.n_ctx = static_cast<int32_t>(m.require_int("gpt2.context_length"));
  c.eps = static_cast<float>(
      m.meta_float_bounded("gpt2.attention.layer_norm_epsilon", 1e-5, LoadedModel::FloatBound::kNonNegative));
  if (c.n_head <= 0 || c.dim % c.n_head)
    throw Error("model '" + m.info().name + "': " + std::to_string(c.n_head) + " heads do not divide embedding length " +
                std::to_string(c.dim));
  c.head_dim = c.dim / c.n_head;
  c.n_vocab = static_cast<int32_t>(m.require("token_embd.weight").rows());
  return c;
}

// ----------------------------------------------------------------------------
// Weights

Gpt2Model::Gpt2Model(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool)
    : CausalLM(std::move(pool)), m_(std::move(model)), c_(gpt2_config(*m_)) {
  const LoadedModel& m = *m_;
  check_matrix(m, "position_embd.weight", c_.n_ctx, c_.dim, /*multiplied=*/false);
  for (int l = 0; l < c_.n_layer; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    layers_.push_back({check_vector(m, b + "attn_norm.weight", c_.dim), check_vector(m, b + "attn_norm.bias", c_.dim),
                       check_linear(m, b + "attn_qkv", 3 * c_.dim, c_.dim), check_linear(m, b + "attn_output", c_.dim, c_.dim),
                       check_vector(m, b + "ffn_norm.weight", c_.dim), check_vector(m, b + "ffn_norm.bias", c_.dim),
                       check_linear(m, b + "ffn_up", c_.ffn, c_.dim), check_linear(m, b + "ffn_down", c_.dim, c_.ffn)});
  }
  lnf_w_ = check_vector(m, "output_norm.weight", c_.dim);
  lnf_b_ = check_vector(m, "output_norm.bias", c_.dim);
  output_ = check_matrix(m, m.find("output.weight") ? "output.weight" : "token_embd.weight", c_.n_vocab, c_.dim);
}

// ----------------------------------------------------------------------------
// Forward pass

void Gpt2Model::forward(std::span<const BatchItem> items, std::vector<float>& logits, bool all_logits) {
  const size_t rows = all_logits ? items[0].tokens.size() : items.size();
  logits.resize(rows * c_.n_vocab);
  for (size_t k = 0; k < items.size(); ++k) forward_one(items[k], &logits[k * c_.n_vocab], all_logits);
}

void Gpt2Model::forward_one(const BatchItem& item, float* logits, bool all_logits) {
  const std::span<const int32_t> tokens = item.tokens;
  const size_t n = tokens.size(), dim = c_.dim;
  const int32_t n_past = item.sequence->n_past();
  KvCache& cache = item.sequence->cache;
  const TensorView& wte = m_->require("token_embd.weight");
  const TensorView& wpe = m_->require("position_embd.weight");
  x_.resize(n * dim);
  xb_.resize(n * dim);
  qkv_.resize(n * 3 * dim);
  q_.resize(n * dim);
  att_.resize(n * dim);
  h_.resize(n * c_.ffn);
  std::vector<float> pos(dim);
  for (size_t i = 0; i < n; ++i) {
    ops::read_row(wte, static_cast<uint64_t>(tokens[i]), &x_[i * dim]);
    ops::read_row(wpe, n_past + i, pos.data());
    tensor::add(&x_[i * dim], pos.data(), &x_[i * dim], dim);
  }
  const AttentionShape shape{static_cast<size_t>(c_.n_head), static_cast<size_t>(c_.n_head), static_cast<size_t>(c_.head_dim)};
  const HiddenRows stream{x_.data(), dim, tokens, n_past}, normed{xb_.data(), dim, tokens, n_past};
  for (int l = 0; l < c_.n_layer; ++l) {
    const Layer& L = layers_[l];
    if (observer_) observer_->on_block_input(l, stream);
    for (size_t i = 0; i < n; ++i)
      tensor::layernorm(&x_[i * dim], L.ln1_w.data(), L.ln1_b.data(), &xb_[i * dim], dim, c_.eps);
    apply(L.qkv, xb_.data(), n, qkv_.data(), *pool_);
    for (size_t i = 0; i < n; ++i)  // split [q | k | v]; k and v go into the cache
      std::memcpy(&q_[i * dim], &qkv_[i * 3 * dim], dim * sizeof(float));
    cache.store(l, n_past, n, &qkv_[dim], &qkv_[2 * dim], 3 * dim);
    const AttentionSpan span{0, n, static_cast<size_t>(n_past), &cache};
    attention(q_.data(), att_.data(), {&span, 1}, l, shape, *pool_);
    apply(L.proj, att_.data(), n, xb_.data(), *pool_);
    tensor::add(x_.data(), xb_.data(), x_.data(), n * dim);
    for (size_t i = 0; i < n; ++i)
      tensor::layernorm(&x_[i * dim], L.ln2_w.data(), L.ln2_b.data(), &xb_[i * dim], dim, c_.eps);
    if (observer_) observer_->on_ffn_input(l, normed);
    apply(L.up, xb_.data(), n, h_.data(), *pool_);
    tensor::gelu(h_.data(), n * c_.ffn);
    apply(L.down, h_.data(), n, xb_.data(), *pool_);
    tensor::add(x_.data(), xb_.data(), x_.data(), n * dim);
    if (observer_) observer_->on_block_output(l, stream);
  }
  size_t first = all_logits ? 0 : n - 1, rows = n - first;
  for (size_t i = first; i < n; ++i)
    tensor::layernorm(&x_[i * dim], lnf_w_.data(), lnf_b_.data(), &xb_[(i - first) * dim], dim, c_.eps);
  if (observer_) observer_->on_final_hidden({xb_.data(), dim, tokens.subspan(first), static_cast<int32_t>(n_past + first)});
  tensor::matmul(output_, xb_.data(), rows, logits, *pool_);
}

}  // namespace hart
