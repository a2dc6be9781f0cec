#include "model/decoder_config.h"

#include <cmath>

#include "util/error.h"

namespace hart {
namespace {

// One row per architecture: what its GGUF metadata does not say. Sources: llama.cpp's
// src/models/<arch>.cpp and llama_model_rope_type (the RoPE layout per architecture).
struct Architecture {
  const char* name;
  tensor::RopeLayout rope = tensor::RopeLayout::Neox;
  FfnActivation activation = FfnActivation::Silu;
  bool scale_embeddings = false;      // x * sqrt(dim) after the lookup
  bool caps_attention = false;        // reads <arch>.attn_logit_softcapping
  bool windows_from_metadata = false; // honours <arch>.attention.sliding_window
  int32_t default_window = 0;         // sliding window when the metadata has none (0: none)
  int32_t default_swa_period = 0;     // every period-th layer is global, the others slide (0: all slide)
  bool swa_rope_as_global = true;     // sliding layers share the global RoPE (else their own base, unscaled)
  int32_t wide_attention_layers = 0;  // at this block count q.k is scaled by 1/sqrt(dim / heads) (27B Gemmas)
};

constexpr Architecture kArchitectures[] = {
    // Llama 1/2/3, Mistral, SmolLM, TinyLlama; Mistral v0.1 writes a sliding window.
    {.name = "llama", .rope = tensor::RopeLayout::Norm, .windows_from_metadata = true},
    {.name = "qwen2"},
    {.name = "qwen3"},
    // Phi-3's window is ignored, as llama.cpp does (its converter's values are wrong).
    {.name = "phi3"},
    {.name = "gemma", .activation = FfnActivation::Gelu, .scale_embeddings = true},
    {.name = "gemma2", .activation = FfnActivation::Gelu, .scale_embeddings = true, .caps_attention = true,
     .windows_from_metadata = true, .default_window = 4096, .default_swa_period = 2, .wide_attention_layers = 46},
    {.name = "gemma3", .activation = FfnActivation::Gelu, .scale_embeddings = true, .windows_from_metadata = true,
     .default_swa_period = 6, .swa_rope_as_global = false, .wide_attention_layers = 62},
};

const Architecture* find_architecture(const std::string& name) {
  for (const Architecture& a : kArchitectures)
    if (name == a.name) return &a;
  return nullptr;
}

// Which layers slide: `pattern` is a period (every period-th layer is global, as
// llama.cpp's set_swa_pattern) or an array of booleans, one per layer.
std::vector<bool> sliding_layers(const LoadedModel& m, const std::string& key, int32_t n_layer, int32_t period) {
  std::vector<bool> swa(n_layer, false);
  auto it = m.metadata().find(key);
  if (it != m.metadata().end() && it->is_array()) {
    if (static_cast<int32_t>(it->size()) != n_layer)
      throw Error("model '" + m.info().name + "': " + key + " has " + std::to_string(it->size()) + " entries for " +
                  std::to_string(n_layer) + " blocks");
    for (int32_t l = 0; l < n_layer; ++l) swa[l] = (*it)[l].is_boolean() ? (*it)[l].get<bool>() : (*it)[l] != 0;
    return swa;
  }
  if (auto p = m.meta_int(key)) period = static_cast<int32_t>(*p);
  if (period < 0) throw Error("model '" + m.info().name + "': " + key + " is negative");
  for (int32_t l = 0; l < n_layer; ++l) swa[l] = period == 0 || l % period < period - 1;
  return swa;
}

// RoPE scaling as llama.cpp reads it: linear (freq_scale = 1 / factor), YaRN (the
// same, blended by dimension, magnitude 1 + 0.1 ln factor), or none.
void read_rope_scaling(const LoadedModel& m, const std::string& p, DecoderConfig& c) {
  using Bound = LoadedModel::FloatBound;
  const std::string type = m.meta_string(p + "rope.scaling.type").value_or("");
  double factor = m.meta_float_bounded(p + "rope.scaling.factor", 0.0, Bound::kNonNegative);
  if (factor == 0) factor = m.meta_float_bounded(p + "rope.scale_linear", 0.0, Bound::kNonNegative);
  if (type == "none") factor = 0;
  if (!type.empty() && type != "none" && type != "linear" && type != "yarn" && type != "longrope")
    throw Error("model '" + m.info().name + "': RoPE scaling '" + type +
                "' is not supported (supported: none, linear, yarn, longrope)");
  c.rope.freq_scale = factor > 0 ? static_cast<float>(1.0 / factor) : 1.0f;
  c.rope.attn_factor = static_cast<float>(m.meta_float_bounded(p + "rope.scaling.attn_factor", 1.0, Bound::kPositive));
  c.rope.n_ctx_orig =
      static_cast<uint32_t>(m.meta_int(p + "rope.scaling.original_context_length").value_or(c.n_ctx));
  if (type == "yarn") {
    c.rope.ext_factor = static_cast<float>(m.meta_float_bounded(p + "rope.scaling.yarn_ext_factor", 1.0, Bound::kNonNegative));
    c.rope.beta_fast = static_cast<float>(m.meta_float_bounded(p + "rope.scaling.yarn_beta_fast", 32.0, Bound::kPositive));
    c.rope.beta_slow = static_cast<float>(m.meta_float_bounded(p + "rope.scaling.yarn_beta_slow", 1.0, Bound::kPositive));
    // ggml scales cos/sin by 1 + 0.1 ln(factor) itself; llama.cpp's attention factor
    // (get_mscale) is that same value, so it divides it back out: net, one of them.
    const double f = 1.0 / c.rope.freq_scale;
    const double mscale = f <= 1 ? 1.0 : 0.1 * std::log(f) + 1.0;
    c.rope.attn_factor *= static_cast<float>(mscale / (1.0 + 0.1 * std::log(f)));
  }
}

}  // namespace

bool is_decoder_architecture(const std::string& arch) { return find_architecture(arch) != nullptr; }

std::string decoder_architectures() {
  std::string s;
  for (const Architecture& a : kArchitectures) s += (s.empty() ? "" : ", ") + std::string(a.name);
  return s;
}

DecoderConfig decoder_config(const LoadedModel& m) {
  const Architecture* a = find_architecture(m.architecture());
  if (!a)
    throw UsageError("model '" + m.info().name + "': architecture '" + m.architecture() +
                     "' is not a decoder this engine runs (supported: " + decoder_architectures() + ")");
  using Bound = LoadedModel::FloatBound;
  DecoderConfig c;
  c.arch = a->name;
  const std::string p = c.arch + ".";
  c.dim = static_cast<int32_t>(m.require_int(p + "embedding_length"));
  c.n_layer = static_cast<int32_t>(m.require_int(p + "block_count"));
  c.n_head = static_cast<int32_t>(m.require_int(p + "attention.head_count"));
  c.n_head_kv = static_cast<int32_t>(m.meta_int(p + "attention.head_count_kv").value_or(c.n_head));
  c.ffn = static_cast<int32_t>(m.require_int(p + "feed_forward_length"));
  c.n_ctx = static_cast<int32_t>(m.require_int(p + "context_length"));
  c.eps = static_cast<float>(m.meta_float_bounded(p + "attention.layer_norm_rms_epsilon", 1e-5, Bound::kNonNegative));
  const std::string name = "model '" + m.info().name + "'";
  if (c.dim <= 0 || c.n_layer <= 0 || c.ffn <= 0 || c.n_ctx <= 0 || c.n_layer > 4096)
    throw Error(name + ": embedding length, block count, feed-forward length and context length must be positive");
  // A head's width is the embedding length / heads unless the model says otherwise
  // (Gemma, Qwen 3, students with fewer heads).
  auto key_length = m.meta_int(p + "attention.key_length");
  if (key_length && m.meta_int(p + "attention.value_length").value_or(*key_length) != *key_length)
    throw Error(name + ": attention key and value lengths differ, which " + c.arch + " models do not have");
  if (c.n_head <= 0 || c.n_head_kv <= 0 || c.n_head % c.n_head_kv || (!key_length && c.dim % c.n_head) ||
      (key_length && (*key_length <= 0 || *key_length > 4096)))
    throw Error(name + ": head counts " + std::to_string(c.n_head) + "/" + std::to_string(c.n_head_kv) +
                " do not divide embedding length " + std::to_string(c.dim));
  c.head_dim = key_length ? static_cast<int32_t>(*key_length) : c.dim / c.n_head;
  const TensorView& emb = m.require("token_embd.weight");
  c.n_vocab = static_cast<int32_t>(emb.rows());
  if (static_cast<int64_t>(emb.cols()) != c.dim)
    throw Error(name + ": token_embd.weight has rows of " + std::to_string(emb.cols()) + ", expected the embedding length " +
                std::to_string(c.dim));

  c.rope.layout = a->rope;
  c.rope.n_rot = static_cast<size_t>(m.meta_int(p + "rope.dimension_count").value_or(c.head_dim));
  if (c.rope.n_rot % 2 || c.rope.n_rot > static_cast<size_t>(c.head_dim))
    throw Error(name + ": " + p + "rope.dimension_count " + std::to_string(c.rope.n_rot) +
                " must be even and at most the head width " + std::to_string(c.head_dim));
  c.rope.base = static_cast<float>(m.meta_float_bounded(p + "rope.freq_base", 10000.0, Bound::kPositive));
  read_rope_scaling(m, p, c);

  c.activation = a->activation;
  if (a->scale_embeddings) c.embed_scale = std::sqrt(static_cast<float>(c.dim));
  c.attn_scale = 1.0f / std::sqrt(static_cast<float>(c.n_layer == a->wide_attention_layers ? c.dim / c.n_head : c.head_dim));
  if (a->caps_attention)
    c.attn_softcap = static_cast<float>(m.meta_float_bounded(p + "attn_logit_softcapping", 0.0, Bound::kNonNegative));
  c.final_softcap = static_cast<float>(m.meta_float_bounded(p + "final_logit_softcapping", 0.0, Bound::kNonNegative));

  // Sliding windows: Gemma 2 always (4096 by default); Gemma 3 and Mistral-style
  // Llamas when the metadata gives a window.
  c.sliding_window = a->default_window;
  if (a->windows_from_metadata)
    if (auto w = m.meta_int(p + "attention.sliding_window")) c.sliding_window = static_cast<int32_t>(*w);
  if (c.sliding_window < 0) throw Error(name + ": " + p + "attention.sliding_window is negative");
  c.swa_layers.assign(c.n_layer, false);
  if (c.sliding_window > 0)
    c.swa_layers = sliding_layers(m, p + "attention.sliding_window_pattern", c.n_layer, a->default_swa_period);
  c.rope_swa = c.rope;
  if (!a->swa_rope_as_global) c.rope_swa.freq_scale = 1.0f, c.rope_swa.ext_factor = 0.0f, c.rope_swa.attn_factor = 1.0f;
  c.rope_swa.base = static_cast<float>(
      m.meta_float_bounded(p + "rope.freq_base_swa", a->swa_rope_as_global ? c.rope.base : 10000.0, Bound::kPositive));
  return c;
}

}  // namespace hart
