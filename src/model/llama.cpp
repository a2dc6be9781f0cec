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
  c.eps = static_cast<float>(m.meta_float("llama.attention.layer_norm_rms_epsilon").value_or(1e-5));
  c.rope_base = static_cast<float>(m.meta_float("llama.rope.freq_base").value_or(10000.0));
  if (c.n_head <= 0 || c.dim % c.n_head || c.n_head_kv <= 0 || c.n_head % c.n_head_kv)
    throw Error("model '" + m.row().name + "': head counts " + std::to_string(c.n_head) + "/" +
                std::to_string(c.n_head_kv) + " do not divide embedding length " + std::to_string(c.dim));
  c.head_dim = c.dim / c.n_head;
  c.n_rot = static_cast<int32_t>(m.meta_int("llama.rope.dimension_count").value_or(c.head_dim));
  const TensorView& emb = m.require("token_embd.weight");
  c.n_vocab = static_cast<int32_t>(emb.rows());
  if (static_cast<int32_t>(emb.cols()) != c.dim)
    throw Error("model '" + m.row().name + "': token_embd.weight has rows of " + std::to_string(emb.cols()) +
                ", expected the embedding length " + std::to_string(c.dim));
  return c;
}

// ----------------------------------------------------------------------------
// Weights

namespace {

tensor::Weights matrix(const LoadedModel& m, const std::string& name, int64_t rows, int64_t cols) {
  const TensorView& t = m.require(name);
  if (static_cast<int64_t>(t.rows()) != rows || static_cast<int64_t>(t.cols()) != cols)
    throw Error("model '" + m.row().name + "': tensor '" + name + "' is " + std::to_string(t.rows()) + "x" +
                std::to_string(t.cols()) + ", expected " + std::to_string(rows) + "x" + std::to_string(cols));
  if (!tensor::matmul_supported(t.dtype))
    throw Error("model '" + m.row().name + "': tensor '" + name + "' has type " + dtype_info(t.dtype).name +
                ", which the engine cannot multiply yet (supported: F32 F16 BF16 Q8_0 Q4_0 Q4_K Q6_K)");
  return {t.dtype, t.data, static_cast<size_t>(rows), static_cast<size_t>(cols)};
}

std::vector<float> vector_of(const LoadedModel& m, const std::string& name, int64_t n) {
  const TensorView& t = m.require(name);
  if (static_cast<int64_t>(t.n_elements) != n)
    throw Error("model '" + m.row().name + "': tensor '" + name + "' has " + std::to_string(t.n_elements) +
                " elements, expected " + std::to_string(n));
  return ops::to_floats(t);
}

}  // namespace

LlamaModel::LlamaModel(std::shared_ptr<const LoadedModel> model, int threads)
    : m_(std::move(model)), c_(llama_config(*m_)), pool_(threads) {
  const int q_dim = c_.n_head * c_.head_dim, kv_dim = c_.n_head_kv * c_.head_dim;
  for (int l = 0; l < c_.n_layer; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    layers_.push_back({vector_of(*m_, b + "attn_norm.weight", c_.dim), matrix(*m_, b + "attn_q.weight", q_dim, c_.dim),
                       matrix(*m_, b + "attn_k.weight", kv_dim, c_.dim), matrix(*m_, b + "attn_v.weight", kv_dim, c_.dim),
                       matrix(*m_, b + "attn_output.weight", c_.dim, q_dim),
                       vector_of(*m_, b + "ffn_norm.weight", c_.dim), matrix(*m_, b + "ffn_gate.weight", c_.ffn, c_.dim),
                       matrix(*m_, b + "ffn_up.weight", c_.ffn, c_.dim), matrix(*m_, b + "ffn_down.weight", c_.dim, c_.ffn)});
  }
  output_norm_ = vector_of(*m_, "output_norm.weight", c_.dim);
  // Tied output: no output.weight means the embedding doubles as the output matrix.
  output_ = matrix(*m_, m_->find("output.weight") ? "output.weight" : "token_embd.weight", c_.n_vocab, c_.dim);
  key_cache_.assign(c_.n_layer, {});
  value_cache_.assign(c_.n_layer, {});
}

// ----------------------------------------------------------------------------
// Forward pass

void LlamaModel::eval(std::span<const int32_t> tokens, std::vector<float>& logits, bool all_logits) {
  const size_t n = tokens.size();
  if (n == 0) throw UsageError("eval: no tokens to process");
  if (n_past_ + static_cast<int64_t>(n) > c_.n_ctx)
    throw UsageError("model '" + m_->row().name + "': " + std::to_string(n_past_ + n) +
                     " tokens exceed the context length " + std::to_string(c_.n_ctx));
  const TensorView& emb = m_->require("token_embd.weight");
  const size_t dim = c_.dim, hd = c_.head_dim, q_dim = c_.n_head * hd, kv_dim = c_.n_head_kv * hd;
  x_.resize(n * dim);
  xb_.resize(n * dim);
  q_.resize(n * q_dim);
  att_.resize(n * q_dim);
  gate_.resize(n * c_.ffn);
  up_.resize(n * c_.ffn);
  for (size_t i = 0; i < n; ++i) {
    if (tokens[i] < 0 || tokens[i] >= c_.n_vocab)
      throw UsageError("token id " + std::to_string(tokens[i]) + " is outside the vocabulary (0.." +
                       std::to_string(c_.n_vocab - 1) + ")");
    ops::read_row(emb, static_cast<uint64_t>(tokens[i]), &x_[i * dim]);
  }
  const size_t end = n_past_ + n;
  for (int l = 0; l < c_.n_layer; ++l) {
    const Layer& L = layers_[l];
    std::vector<float>& kc = key_cache_[l];
    std::vector<float>& vc = value_cache_[l];
    if (kc.size() < end * kv_dim) {  // grow the cache in steps, never past the context
      size_t cap = std::min<size_t>(c_.n_ctx, std::max<size_t>(end, 2 * kc.size() / kv_dim + 64));
      kc.resize(cap * kv_dim);
      vc.resize(cap * kv_dim);
    }
    // Attention: new keys and values go straight into the cache.
    for (size_t i = 0; i < n; ++i) ops::rmsnorm(&xb_[i * dim], &x_[i * dim], L.attn_norm.data(), dim, c_.eps);
    tensor::matmul(L.wq, xb_.data(), n, q_.data(), pool_);
    tensor::matmul(L.wk, xb_.data(), n, &kc[n_past_ * kv_dim], pool_);
    tensor::matmul(L.wv, xb_.data(), n, &vc[n_past_ * kv_dim], pool_);
    for (size_t i = 0; i < n; ++i) {
      ops::rope_norm(&q_[i * q_dim], c_.n_head, hd, c_.n_rot, static_cast<int32_t>(n_past_ + i), c_.rope_base);
      ops::rope_norm(&kc[(n_past_ + i) * kv_dim], c_.n_head_kv, hd, c_.n_rot, static_cast<int32_t>(n_past_ + i),
                     c_.rope_base);
    }
    const size_t group = c_.n_head / c_.n_head_kv;
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    pool_.parallel_for(n * c_.n_head, 1, [&](size_t b, size_t e) {
      std::vector<float> score(end);
      for (size_t job = b; job < e; ++job) {
        size_t i = job / c_.n_head, h = job % c_.n_head, kvh = h / group;
        size_t upto = n_past_ + i + 1;  // causal: this token and those before it
        const float* q = &q_[i * q_dim + h * hd];
        for (size_t t = 0; t < upto; ++t) {
          const float* k = &kc[t * kv_dim + kvh * hd];
          float dot = 0;
          for (size_t d = 0; d < hd; ++d) dot += q[d] * k[d];
          score[t] = dot * scale;
        }
        ops::softmax(score.data(), upto);
        float* out = &att_[i * q_dim + h * hd];
        std::fill(out, out + hd, 0.0f);
        for (size_t t = 0; t < upto; ++t) {
          const float* v = &vc[t * kv_dim + kvh * hd];
          for (size_t d = 0; d < hd; ++d) out[d] += score[t] * v[d];
        }
      }
    });
    tensor::matmul(L.wo, att_.data(), n, xb_.data(), pool_);
    ops::add(x_.data(), xb_.data(), n * dim);
    // Feed-forward: SwiGLU.
    for (size_t i = 0; i < n; ++i) ops::rmsnorm(&xb_[i * dim], &x_[i * dim], L.ffn_norm.data(), dim, c_.eps);
    tensor::matmul(L.w_gate, xb_.data(), n, gate_.data(), pool_);
    tensor::matmul(L.w_up, xb_.data(), n, up_.data(), pool_);
    ops::swiglu(gate_.data(), up_.data(), n * c_.ffn);
    tensor::matmul(L.w_down, gate_.data(), n, xb_.data(), pool_);
    ops::add(x_.data(), xb_.data(), n * dim);
  }
  // Logits: of every token, or only of the last one (all that generation needs).
  size_t first = all_logits ? 0 : n - 1, rows = n - first;
  for (size_t i = first; i < n; ++i) ops::rmsnorm(&xb_[(i - first) * dim], &x_[i * dim], output_norm_.data(), dim, c_.eps);
  logits.resize(rows * c_.n_vocab);
  tensor::matmul(output_, xb_.data(), rows, logits.data(), pool_);
  n_past_ = static_cast<int32_t>(end);
}

}  // namespace hart
