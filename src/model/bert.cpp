// BERT forward pass, top to bottom, over the rows of a packed batch:
//   word + position + token-type embeddings -> LayerNorm -> per block:
//   Q, K, V (+bias), bidirectional attention (per sequence), output (+bias),
//   LayerNorm(x + attn); up (+bias), GELU, down (+bias), LayerNorm(x + ffn)
//   -> mean pool per sequence -> L2 normalise.
#include "model/bert.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "model/ops.h"
#include "tensor/ops.h"
#include "model/weights_check.h"
#include "util/error.h"

namespace hart {

BertConfig bert_config(const LoadedModel& m) {
  BertConfig c;
  c.dim = static_cast<int32_t>(m.require_int("bert.embedding_length"));
  c.n_layer = static_cast<int32_t>(m.require_int("bert.block_count"));
  c.n_head = static_cast<int32_t>(m.require_int("bert.attention.head_count"));
  c.ffn = static_cast<int32_t>(m.require_int("bert.feed_forward_length"));
  c.n_ctx = static_cast<int32_t>(m.require_int("bert.context_length"));
  c.eps = static_cast<float>(
      m.meta_float_bounded("bert.attention.layer_norm_epsilon", 1e-12, LoadedModel::FloatBound::kNonNegative));
  if (c.n_head <= 0 || c.dim % c.n_head)
    throw Error("model '" + m.info().name + "': " + std::to_string(c.n_head) + " heads do not divide embedding length " +
                std::to_string(c.dim));
  if (auto pooling = m.meta_int("bert.pooling_type"); pooling && *pooling != 1)
    throw Error("model '" + m.info().name + "': pooling type " + std::to_string(*pooling) +
                " is not supported (supported: 1 = mean, as sentence-transformers)");
  c.head_dim = c.dim / c.n_head;
  c.n_vocab = static_cast<int32_t>(m.require("token_embd.weight").rows());
  c.n_types = static_cast<int32_t>(m.require("token_types.weight").rows());
  return c;
}

BertEncoder::BertEncoder(std::shared_ptr<const LoadedModel> model, int threads)
    : BertEncoder(std::move(model), tensor::shared_pool(threads)) {}

BertEncoder::BertEncoder(std::shared_ptr<const LoadedModel> model, std::shared_ptr<tensor::ThreadPool> pool)
    : m_(std::move(model)), c_(bert_config(*m_)), pool_(pool ? std::move(pool) : tensor::process_pool()) {
  const LoadedModel& m = *m_;
  check_matrix(m, "position_embd.weight", c_.n_ctx, c_.dim, /*multiplied=*/false);
  check_matrix(m, "token_types.weight", c_.n_types, c_.dim, /*multiplied=*/false);
  emb_norm_w_ = check_vector(m, "token_embd_norm.weight", c_.dim);
  emb_norm_b_ = check_vector(m, "token_embd_norm.bias", c_.dim);
  for (int l = 0; l < c_.n_layer; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    layers_.push_back({check_linear(m, b + "attn_q", c_.dim, c_.dim), check_linear(m, b + "attn_k", c_.dim, c_.dim),
                       check_linear(m, b + "attn_v", c_.dim, c_.dim), check_linear(m, b + "attn_output", c_.dim, c_.dim),
                       check_vector(m, b + "attn_output_norm.weight", c_.dim),
                       check_vector(m, b + "attn_output_norm.bias", c_.dim), check_linear(m, b + "ffn_up", c_.ffn, c_.dim),
                       check_linear(m, b + "ffn_down", c_.dim, c_.ffn), check_vector(m, b + "layer_output_norm.weight", c_.dim),
                       check_vector(m, b + "layer_output_norm.bias", c_.dim)});
  }
}

namespace {

// Where each sequence of a packed batch starts: {0, lengths[0], lengths[0] + lengths[1], ...},
// after checking that the lengths and the token types (if any) cover the tokens.
std::vector<size_t> sequence_starts(std::span<const size_t> lengths, size_t n_tokens, size_t n_types) {
  std::vector<size_t> starts{0};
  for (size_t len : lengths) starts.push_back(starts.back() + len);
  if (starts.back() != n_tokens)
    throw UsageError("embed: sequence lengths add up to " + std::to_string(starts.back()) + " tokens, not the " +
                     std::to_string(n_tokens) + " given");
  if (n_types != 0 && n_types != n_tokens)
    throw UsageError("embed: " + std::to_string(n_types) + " token types for " + std::to_string(n_tokens) + " tokens");
  return starts;
}

// The sentence embedding: mean of n hidden rows, L2-normalised, summed in double.
void mean_pool_normalised(const float* hidden, size_t n, size_t dim, float* out) {
  std::vector<double> sum(dim, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t d = 0; d < dim; ++d) sum[d] += hidden[i * dim + d];
  double norm = 0;
  for (double& v : sum) {
    v /= n;
    norm += v * v;
  }
  norm = std::max(std::sqrt(norm), 1e-12);
  for (size_t d = 0; d < dim; ++d) out[d] = static_cast<float>(sum[d] / norm);
}

}  // namespace

std::vector<float> BertEncoder::encode_batch(std::span<const int32_t> tokens, std::span<const size_t> lengths,
                                             std::span<const int32_t> types) {
  const size_t n = tokens.size(), dim = c_.dim;
  const std::vector<size_t> starts = sequence_starts(lengths, n, types.size());
  for (size_t s = 0; s < lengths.size(); ++s) check_eval(*m_, tokens.subspan(starts[s], lengths[s]), 0, c_.n_ctx, c_.n_vocab);
  if (lengths.empty()) check_eval(*m_, tokens, 0, c_.n_ctx, c_.n_vocab);  // "no tokens to process"
  for (int32_t t : types)
    if (t < 0 || t >= c_.n_types)
      throw UsageError("embed: token type " + std::to_string(t) + " outside 0.." + std::to_string(c_.n_types - 1));
  std::vector<float> x(n * dim), xb(n * dim), q(n * dim), k(n * dim), v(n * dim), att(n * dim), h(n * c_.ffn), row(dim);
  const TensorView& wte = m_->require("token_embd.weight");
  const TensorView& wpe = m_->require("position_embd.weight");
  const TensorView& wtt = m_->require("token_types.weight");
  for (size_t s = 0; s < lengths.size(); ++s)
    for (size_t i = starts[s]; i < starts[s + 1]; ++i) {
      ops::read_row(wte, static_cast<uint64_t>(tokens[i]), &xb[i * dim]);
      ops::read_row(wpe, i - starts[s], row.data());  // positions restart with each sequence
      tensor::add(&xb[i * dim], row.data(), &xb[i * dim], dim);
      ops::read_row(wtt, types.empty() ? 0 : static_cast<uint64_t>(types[i]), row.data());
      tensor::add(&xb[i * dim], row.data(), &xb[i * dim], dim);
      tensor::layernorm(&xb[i * dim], emb_norm_w_.data(), emb_norm_b_.data(), &x[i * dim], dim, c_.eps);
    }
  const AttentionShape shape{static_cast<size_t>(c_.n_head), static_cast<size_t>(c_.n_head), static_cast<size_t>(c_.head_dim)};
  auto observe = [&](auto&& call) {  // each sequence's rows of x, as if it ran alone
    for (size_t s = 0; s < lengths.size(); ++s)
      call(HiddenRows{&x[starts[s] * dim], dim, tokens.subspan(starts[s], lengths[s]), 0});
  };
  for (int l = 0; l < c_.n_layer; ++l) {
    const Layer& L = layers_[l];
    if (observer_) observe([&](const HiddenRows& r) { observer_->on_block_input(l, r); });
    apply({{&L.q, q.data()}, {&L.k, k.data()}, {&L.v, v.data()}}, x.data(), n, *pool_);
    packed_attention(q.data(), k.data(), v.data(), dim, att.data(), starts, shape, *pool_);
    apply(L.out, att.data(), n, xb.data(), *pool_);
    tensor::add(xb.data(), x.data(), xb.data(), n * dim);
    for (size_t i = 0; i < n; ++i)
      tensor::layernorm(&xb[i * dim], L.attn_norm_w.data(), L.attn_norm_b.data(), &x[i * dim], dim, c_.eps);
    if (observer_) observe([&](const HiddenRows& r) { observer_->on_ffn_input(l, r); });
    apply(L.up, x.data(), n, h.data(), *pool_);
    tensor::gelu_erf(h.data(), n * c_.ffn);
    apply(L.down, h.data(), n, xb.data(), *pool_);
    tensor::add(xb.data(), x.data(), xb.data(), n * dim);
    for (size_t i = 0; i < n; ++i)
      tensor::layernorm(&xb[i * dim], L.out_norm_w.data(), L.out_norm_b.data(), &x[i * dim], dim, c_.eps);
    if (observer_) observe([&](const HiddenRows& r) { observer_->on_block_output(l, r); });
  }
  if (observer_) observe([&](const HiddenRows& r) { observer_->on_final_hidden(r); });
  return x;
}

std::vector<float> BertEncoder::embed_batch(std::span<const int32_t> tokens, std::span<const size_t> lengths,
                                            std::span<const int32_t> types, size_t max_pass_tokens) {
  const size_t dim = c_.dim;
  const std::vector<size_t> starts = sequence_starts(lengths, tokens.size(), types.size());
  std::vector<float> out(lengths.size() * dim);
  for (size_t first = 0, end; first < lengths.size(); first = end) {
    // One pass: the sequences from `first` on whose tokens fit the budget (at least one).
    end = first + 1;
    while (end < lengths.size() && starts[end + 1] - starts[first] <= max_pass_tokens) ++end;
    const size_t begin_token = starts[first], n_tokens = starts[end] - begin_token;
    std::vector<float> hidden =
        encode_batch(tokens.subspan(begin_token, n_tokens), lengths.subspan(first, end - first),
                     types.empty() ? types : types.subspan(begin_token, n_tokens));
    for (size_t s = first; s < end; ++s)
      mean_pool_normalised(&hidden[(starts[s] - begin_token) * dim], lengths[s], dim, &out[s * dim]);
  }
  return out;
}

std::vector<float> BertEncoder::encode(std::span<const int32_t> tokens, std::span<const int32_t> types) {
  const size_t n = tokens.size();
  return encode_batch(tokens, {&n, 1}, types);
}

std::vector<float> BertEncoder::embed(std::span<const int32_t> tokens, std::span<const int32_t> types) {
  const size_t n = tokens.size();
  return embed_batch(tokens, {&n, 1}, types);
}

}  // namespace hart
