// One forward pass for the Llama lineage, top to bottom:
//   token embedding (x sqrt(dim) for Gemma) -> per block: RMSNorm, Q/K/V (separate
//   with optional biases, or fused), per-head Q/K RMSNorm if present, RoPE,
//   grouped-query attention over the KV cache (soft-capped and/or windowed where the
//   architecture says), output projection, optional post-norm, residual; RMSNorm,
//   gated feed-forward (SwiGLU or GeGLU; gate and up separate or fused), optional
//   post-norm, residual -> final RMSNorm -> output matrix (or the tied embedding),
//   optional bias and soft-capping.
// A batch of tokens goes through the matrix products together (prompt processing);
// attention is causal within the batch.
#include "model/decoder.h"

#include <cstring>
#include <string>

#include "model/ops.h"
#include "model/weights_check.h"
#include "tensor/ops.h"
#include "util/error.h"

namespace hart {
namespace {

std::vector<float> optional_vector(const LoadedModel& m, const std::string& name, int64_t n) {
  return m.find(name) ? check_vector(m, name, n) : std::vector<float>{};
}

void norm_rows(const float* x, const std::vector<float>& w, float* out, size_t n, size_t width, float eps) {
  for (size_t i = 0; i < n; ++i) tensor::rmsnorm(x + i * width, w.data(), out + i * width, width, eps);
}

}  // namespace

// ----------------------------------------------------------------------------
// Weights

DecoderModel::DecoderModel(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool)
    : CausalLM(std::move(pool)), m_(std::move(model)), c_(decoder_config(*m_)) {
  const LoadedModel& m = *m_;
  const int64_t dim = c_.dim, q_dim = int64_t{c_.n_head} * c_.head_dim, kv_dim = int64_t{c_.n_head_kv} * c_.head_dim;
  for (int l = 0; l < c_.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    Layer L;
    L.attn_norm = check_vector(m, b + "attn_norm.weight", dim);
    if (m.find(b + "attn_qkv.weight")) {
      L.qkv = check_linear(m, b + "attn_qkv", q_dim + 2 * kv_dim, dim, Bias::Optional);
    } else {
      L.q = check_linear(m, b + "attn_q", q_dim, dim, Bias::Optional);
      L.k = check_linear(m, b + "attn_k", kv_dim, dim, Bias::Optional);
      L.v = check_linear(m, b + "attn_v", kv_dim, dim, Bias::Optional);
    }
    L.q_norm = optional_vector(m, b + "attn_q_norm.weight", c_.head_dim);
    L.k_norm = optional_vector(m, b + "attn_k_norm.weight", c_.head_dim);
    if (L.q_norm.empty() != L.k_norm.empty())
      throw Error("model '" + m.info().name + "': block " + std::to_string(l) + " normalises only one of queries and keys");
    L.o = check_linear(m, b + "attn_output", dim, q_dim, Bias::Optional);
    L.attn_post_norm = optional_vector(m, b + "post_attention_norm.weight", dim);
    L.ffn_norm = check_vector(m, b + "ffn_norm.weight", dim);
    if (m.find(b + "ffn_gate.weight")) {
      L.gate = check_matrix(m, b + "ffn_gate.weight", c_.ffn, dim);
      L.up = check_matrix(m, b + "ffn_up.weight", c_.ffn, dim);
    } else {
      L.up = check_matrix(m, b + "ffn_up.weight", 2 * int64_t{c_.ffn}, dim);
    }
    L.down = check_matrix(m, b + "ffn_down.weight", dim, c_.ffn);
    L.ffn_post_norm = optional_vector(m, b + "post_ffw_norm.weight", dim);
    layers_.push_back(std::move(L));
  }
  output_norm_ = check_vector(m, "output_norm.weight", dim);
  // Tied output: no output.weight means the embedding doubles as the output matrix.
  output_ = m.find("output.weight") ? check_linear(m, "output", c_.n_vocab, dim, Bias::Optional)
                                    : Linear{check_matrix(m, "token_embd.weight", c_.n_vocab, dim), {}};
  // Frequency factors: Llama 3's rope_freqs, or Phi-3's short / long factors chosen
  // by whether the context exceeds the one the model was trained at (as llama.cpp).
  const int64_t half = static_cast<int64_t>(c_.rope.n_rot / 2);
  const bool long_ctx = static_cast<uint32_t>(c_.n_ctx) > c_.rope.n_ctx_orig;
  for (const char* name : {"rope_freqs.weight", long_ctx ? "rope_factors_long.weight" : "rope_factors_short.weight"})
    if (rope_factors_.empty() && m.find(name)) rope_factors_ = check_vector(m, name, half);
  if (!rope_factors_.empty()) c_.rope.factors = c_.rope_swa.factors = rope_factors_.data();
}

// ----------------------------------------------------------------------------
// Forward pass

HiddenRows DecoderModel::Rows::rows(const float* data, size_t width) const {
  return {data, width, items[0].tokens, static_cast<int32_t>(spans[0].n_past)};
}

void DecoderModel::attention_block(const Layer& L, int l, const Rows& R) {
  const size_t n = R.n, dim = c_.dim, hd = c_.head_dim, q_dim = c_.n_head * hd, kv_dim = this->kv_dim();
  norm_rows(x_.data(), L.attn_norm, xb_.data(), n, dim, c_.eps);
  if (observer_) observer_->on_attn_input(l, R.rows(xb_.data(), dim));
  if (L.qkv.w.rows) {
    const size_t width = q_dim + 2 * kv_dim;
    qkv_.resize(n * width);
    apply(L.qkv, xb_.data(), n, qkv_.data(), *pool_);
    for (size_t i = 0; i < n; ++i) {
      const float* row = &qkv_[i * width];
      std::memcpy(&q_[i * q_dim], row, q_dim * sizeof(float));
      std::memcpy(&k_[i * kv_dim], row + q_dim, kv_dim * sizeof(float));
      std::memcpy(&v_[i * kv_dim], row + q_dim + kv_dim, kv_dim * sizeof(float));
    }
  } else {
    apply({{&L.q, q_.data()}, {&L.k, k_.data()}, {&L.v, v_.data()}}, xb_.data(), n, *pool_);
  }
  const bool sliding = c_.swa_layers[l];
  const tensor::RopeSpec& rope = sliding ? c_.rope_swa : c_.rope;
  for (size_t i = 0; i < n; ++i) {
    float *q = &q_[i * q_dim], *k = &k_[i * kv_dim];
    if (!L.q_norm.empty()) {
      for (int h = 0; h < c_.n_head; ++h) tensor::rmsnorm(q + h * hd, L.q_norm.data(), q + h * hd, hd, c_.eps);
      for (int h = 0; h < c_.n_head_kv; ++h) tensor::rmsnorm(k + h * hd, L.k_norm.data(), k + h * hd, hd, c_.eps);
    }
    tensor::rope(q, c_.n_head, hd, R.pos[i], rope);
    tensor::rope(k, c_.n_head_kv, hd, R.pos[i], rope);
  }
  for (const AttentionSpan& sp : R.spans)  // the new keys and values join their caches
    sp.cache->store(l, sp.n_past, sp.n, &k_[sp.row * kv_dim], &v_[sp.row * kv_dim], kv_dim);
  const AttentionShape shape{static_cast<size_t>(c_.n_head), static_cast<size_t>(c_.n_head_kv), hd, c_.attn_scale,
                             c_.attn_softcap, sliding ? static_cast<size_t>(c_.sliding_window) : 0};
  attention(q_.data(), q_.data(), R.spans, l, shape, *pool_);  // in place
  if (observer_) observer_->on_attn_output(l, R.rows(q_.data(), q_dim));
  apply(L.o, q_.data(), n, xb_.data(), *pool_);
  if (!L.attn_post_norm.empty()) norm_rows(xb_.data(), L.attn_post_norm, xb_.data(), n, dim, c_.eps);
  tensor::add(x_.data(), xb_.data(), x_.data(), n * dim);
}

void DecoderModel::feed_forward_block(const Layer& L, int l, const Rows& R) {
  const size_t n = R.n, dim = c_.dim, ffn = c_.ffn;
  norm_rows(x_.data(), L.ffn_norm, xb_.data(), n, dim, c_.eps);
  if (observer_) observer_->on_ffn_input(l, R.rows(xb_.data(), dim));
  float *gate = gate_.data(), *up = up_.data();
  if (L.gate.rows) {
    const tensor::Product both[] = {{&L.gate, gate}, {&L.up, up}};
    tensor::matmul(both, xb_.data(), n, *pool_);
  } else {  // fused: row i is [gate | up]; split it
    tensor::matmul(L.up, xb_.data(), n, up_.data(), *pool_);
    for (size_t i = 0; i < n; ++i) std::memcpy(gate + i * ffn, up + i * 2 * ffn, ffn * sizeof(float));
    for (size_t i = 0; i < n; ++i) std::memmove(up + i * ffn, up + i * 2 * ffn + ffn, ffn * sizeof(float));
  }
  if (c_.activation == FfnActivation::Silu)
    tensor::swiglu(gate, up, gate, n * ffn);
  else
    tensor::geglu(gate, up, gate, n * ffn);
  if (observer_) observer_->on_ffn_hidden(l, R.rows(gate, ffn));
  tensor::matmul(L.down, gate, n, xb_.data(), *pool_);
  if (!L.ffn_post_norm.empty()) norm_rows(xb_.data(), L.ffn_post_norm, xb_.data(), n, dim, c_.eps);
  tensor::add(x_.data(), xb_.data(), x_.data(), n * dim);
}

void DecoderModel::forward(std::span<const BatchItem> items, std::vector<float>& logits, bool all_logits) {
  Rows R{items, {}, {}, 0};
  for (const BatchItem& it : items) {
    const size_t n_past = static_cast<size_t>(it.sequence->n_past());
    R.spans.push_back({R.n, it.tokens.size(), n_past, &it.sequence->cache});
    for (size_t i = 0; i < it.tokens.size(); ++i) R.pos.push_back(static_cast<int32_t>(n_past + i));
    R.n += it.tokens.size();
  }
  // Observers follow one sequence; a batch of several is not shown to them.
  struct Restore {
    ForwardObserver*& slot;
    ForwardObserver* saved;
    ~Restore() { slot = saved; }
  } restore{observer_, observer_};
  if (items.size() > 1) observer_ = nullptr;
  const size_t n = R.n, dim = c_.dim, q_dim = static_cast<size_t>(c_.n_head) * c_.head_dim;
  x_.resize(n * dim);
  xb_.resize(n * dim);
  q_.resize(n * q_dim);
  k_.resize(n * kv_dim());
  v_.resize(n * kv_dim());
  gate_.resize(n * c_.ffn);
  up_.resize(n * 2 * c_.ffn);  // room for a fused [gate | up]
  const TensorView& emb = m_->require("token_embd.weight");
  size_t row = 0;
  for (const BatchItem& it : items)
    for (int32_t token : it.tokens) {
      float* x = &x_[row++ * dim];
      ops::read_row(emb, static_cast<uint64_t>(token), x);
      if (c_.embed_scale != 1.0f)
        for (size_t j = 0; j < dim; ++j) x[j] *= c_.embed_scale;
    }
  for (int l = 0; l < c_.n_layer; ++l) {
    if (observer_) observer_->on_block_input(l, R.rows(x_.data(), dim));
    attention_block(layers_[l], l, R);
    feed_forward_block(layers_[l], l, R);
    if (observer_) observer_->on_block_output(l, R.rows(x_.data(), dim));
  }
  // Logits: of each item's last token, or of every token (one item, all_logits).
  std::vector<size_t> out_rows;
  for (const AttentionSpan& sp : R.spans)
    for (size_t i = all_logits ? 0 : sp.n - 1; i < sp.n; ++i) out_rows.push_back(sp.row + i);
  for (size_t r = 0; r < out_rows.size(); ++r)
    tensor::rmsnorm(&x_[out_rows[r] * dim], output_norm_.data(), &xb_[r * dim], dim, c_.eps);
  if (observer_) {
    const size_t first = out_rows.front();
    observer_->on_final_hidden({xb_.data(), dim, items[0].tokens.subspan(first), static_cast<int32_t>(R.pos[first])});
  }
  logits.resize(out_rows.size() * c_.n_vocab);
  apply(output_, xb_.data(), out_rows.size(), logits.data(), *pool_);
  if (c_.final_softcap > 0) tensor::softcap(logits.data(), logits.size(), c_.final_softcap);
}

}  // namespace hart
