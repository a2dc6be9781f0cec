// Llama-family forward pass (GGUF architecture "llama"), top to bottom:
//   token embedding -> per block: RMSNorm, Q/K/V, RoPE, grouped-query attention
//   over the KV cache, output projection, residual; RMSNorm, SwiGLU feed-forward,
//   residual -> final RMSNorm -> output matrix (or the tied embedding).
// A batch of tokens goes through the matrix products together (prompt
// processing); attention is causal within the batch.
#include "model/llama.h"

#include <cmath>
#include <string>

#include "model/ops.h"
#include "tensor/ops.h"
#include "model/weights_check.h"
#include "tensor/matmul.h"
#include "util/error.h"

namespace hart {

// ----------------------------------------------------------------------------
// Configuration from the model's own metadata

LlamaConfig llama_config(const LoadedModel& m) {
  LlamaConfig c;
  c.dim = static_cast<int32_t>(m.require_int("llama.embedding_length"));
  c.n_layer = static_cast<int32_t>(m.require_int("llama.block_count"));
  c.n_head = static_cast<int32_t>(m.require_int("llama.attention.head_count"));
  c.n_head_kv = static_cast<int32_t>(m.meta_int("llama.attention.head_count_kv").value_or(c.n_head));
  c.ffn = static_cast<int32_t>(m.require_int("llama.feed_forward_length"));
  c.n_ctx = static_cast<int32_t>(m.require_int("llama.context_length"));
  using Bound = LoadedModel::FloatBound;
  c.eps = static_cast<float>(m.meta_float_bounded("llama.attention.layer_norm_rms_epsilon", 1e-5, Bound::kNonNegative));
  c.rope_base = static_cast<float>(m.meta_float_bounded("llama.rope.freq_base", 10000.0, Bound::kPositive));
  // A head's width is the embedding length / heads unless the model says otherwise
  // (students with fewer heads keep their heads' width).
  auto key_length = m.meta_int("llama.attention.key_length");
  if (key_length && m.meta_int("llama.attention.value_length").value_or(*key_length) != *key_length)
    throw Error("model '" + m.info().name + "': attention key and value lengths differ, which llama models do not support");
  if (c.n_head <= 0 || c.n_head_kv <= 0 || c.n_head % c.n_head_kv || (!key_length && c.dim % c.n_head) ||
      (key_length && (*key_length <= 0 || *key_length > 4096)))
    throw Error("model '" + m.info().name + "': head counts " + std::to_string(c.n_head) + "/" +
                std::to_string(c.n_head_kv) + " do not divide embedding length " + std::to_string(c.dim));
  c.head_dim = key_length ? static_cast<int32_t>(*key_length) : c.dim / c.n_head;
  c.n_rot = static_cast<int32_t>(m.meta_int("llama.rope.dimension_count").value_or(c.head_dim));
  const TensorView& emb = m.require("token_embd.weight");
  c.n_vocab = static_cast<int32_t>(emb.rows());
  if (static_cast<int32_t>(emb.cols()) != c.dim)
    throw Error("model '" + m.info().name + "': token_embd.weight has rows of " + std::to_string(emb.cols()) +
                ", expected the embedding length " + std::to_string(c.dim));
  return c;
}

// ----------------------------------------------------------------------------
// Weights

LlamaModel::LlamaModel(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool)
    : CausalLM(std::move(pool)), m_(std::move(model)), c_(llama_config(*m_)),
      cache_(c_.n_layer, static_cast<size_t>(c_.n_head_kv) * c_.head_dim, c_.n_ctx) {
  const int q_dim = c_.n_head * c_.head_dim, kv_dim = c_.n_head_kv * c_.head_dim;
  for (int l = 0; l < c_.n_layer; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    layers_.push_back({check_vector(*m_, b + "attn_norm.weight", c_.dim), check_matrix(*m_, b + "attn_q.weight", q_dim, c_.dim),
                       check_matrix(*m_, b + "attn_k.weight", kv_dim, c_.dim), check_matrix(*m_, b + "attn_v.weight", kv_dim, c_.dim),
                       check_matrix(*m_, b + "attn_output.weight", c_.dim, q_dim),
                       check_vector(*m_, b + "ffn_norm.weight", c_.dim), check_matrix(*m_, b + "ffn_gate.weight", c_.ffn, c_.dim),
                       check_matrix(*m_, b + "ffn_up.weight", c_.ffn, c_.dim), check_matrix(*m_, b + "ffn_down.weight", c_.dim, c_.ffn)});
  }
  output_norm_ = check_vector(*m_, "output_norm.weight", c_.dim);
  // Tied output: no output.weight means the embedding doubles as the output matrix.
  output_ = check_matrix(*m_, m_->find("output.weight") ? "output.weight" : "token_embd.weight", c_.n_vocab, c_.dim);
}

// ----------------------------------------------------------------------------
// Forward pass

void LlamaModel::eval(std::span<const int32_t> tokens, std::vector<float>& logits, bool all_logits) {
  const size_t n = tokens.size();
  check_eval(*m_, tokens, n_past_, c_.n_ctx, c_.n_vocab);
  const TensorView& emb = m_->require("token_embd.weight");
  const size_t dim = c_.dim, hd = c_.head_dim, q_dim = c_.n_head * hd;
  x_.resize(n * dim);
  xb_.resize(n * dim);
  q_.resize(n * q_dim);
  gate_.resize(n * c_.ffn);
  up_.resize(n * c_.ffn);
  for (size_t i = 0; i < n; ++i) ops::read_row(emb, static_cast<uint64_t>(tokens[i]), &x_[i * dim]);
  const size_t end = n_past_ + n;
  const AttentionShape shape{static_cast<size_t>(c_.n_head), static_cast<size_t>(c_.n_head_kv), hd};
  const HiddenRows stream{x_.data(), dim, tokens, n_past_}, normed{xb_.data(), dim, tokens, n_past_};
  for (int l = 0; l < c_.n_layer; ++l) {
    const Layer& L = layers_[l];
    if (observer_) observer_->on_block_input(l, stream);
    cache_.reserve(l, end);
    // Attention: new keys and values go straight into the cache.
    for (size_t i = 0; i < n; ++i) tensor::rmsnorm(&x_[i * dim], L.attn_norm.data(), &xb_[i * dim], dim, c_.eps);
    if (observer_) observer_->on_attn_input(l, normed);
    tensor::matmul(L.wq, xb_.data(), n, q_.data(), *pool_);
    tensor::matmul(L.wk, xb_.data(), n, cache_.keys(l, n_past_), *pool_);
    tensor::matmul(L.wv, xb_.data(), n, cache_.values(l, n_past_), *pool_);
    for (size_t i = 0; i < n; ++i) {
      const size_t pos = n_past_ + i;
      tensor::rope(&q_[i * q_dim], c_.n_head, hd, c_.n_rot, pos, c_.rope_base, tensor::RopeLayout::Norm);
      tensor::rope(cache_.keys(l, pos), c_.n_head_kv, hd, c_.n_rot, pos, c_.rope_base, tensor::RopeLayout::Norm);
    }
    attention(q_.data(), q_.data(), n, n_past_, cache_, l, shape, /*causal=*/true, *pool_);  // in place
    if (observer_) observer_->on_attn_output(l, {q_.data(), q_dim, tokens, n_past_});
    tensor::matmul(L.wo, q_.data(), n, xb_.data(), *pool_);
    tensor::add(x_.data(), xb_.data(), x_.data(), n * dim);
    // Feed-forward: SwiGLU.
    for (size_t i = 0; i < n; ++i) tensor::rmsnorm(&x_[i * dim], L.ffn_norm.data(), &xb_[i * dim], dim, c_.eps);
    if (observer_) observer_->on_ffn_input(l, normed);
    tensor::matmul(L.w_gate, xb_.data(), n, gate_.data(), *pool_);
    tensor::matmul(L.w_up, xb_.data(), n, up_.data(), *pool_);
    tensor::swiglu(gate_.data(), up_.data(), gate_.data(), n * c_.ffn);
    if (observer_) observer_->on_ffn_hidden(l, {gate_.data(), static_cast<size_t>(c_.ffn), tokens, n_past_});
    tensor::matmul(L.w_down, gate_.data(), n, xb_.data(), *pool_);
    tensor::add(x_.data(), xb_.data(), x_.data(), n * dim);
    if (observer_) observer_->on_block_output(l, stream);
  }
  // Logits: of every token, or only of the last one (all that generation needs).
  size_t first = all_logits ? 0 : n - 1, rows = n - first;
  for (size_t i = first; i < n; ++i)
    tensor::rmsnorm(&x_[i * dim], output_norm_.data(), &xb_[(i - first) * dim], dim, c_.eps);
  if (observer_) observer_->on_final_hidden({xb_.data(), dim, tokens.subspan(first), static_cast<int32_t>(n_past_ + first)});
  logits.resize(rows * c_.n_vocab);
  tensor::matmul(output_, xb_.data(), rows, logits.data(), *pool_);
  n_past_ = static_cast<int32_t>(end);
}

}  // namespace hart
