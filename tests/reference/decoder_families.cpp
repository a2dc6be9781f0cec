// Tiny random-weight models of the decoder architectures beyond Llama, each written
// in llama.cpp's GGUF layout for that architecture (names and keys as
// convert_hf_to_gguf.py writes them), with every feature the engine must get right
// switched on and small enough to matter within the goldens' 31 positions: sliding
// windows of 6, soft-caps near the scores' scale, RoPE scaling with a short original
// context.
#include <cmath>
#include <string>

#include "reference_writer.h"

namespace hart::reference {
namespace {

struct FamilySpec {
  const char* file;
  const char* arch;
  uint64_t seed;
  uint32_t layers = 2, heads = 4, kv_heads = 2, head_dim = 16, ffn = 128;
  bool qkv_bias = false, qk_norm = false, fused_qkv = false, fused_gate_up = false, post_norms = false, tied = true;
  bool key_length = false;  // write attention.key_length / value_length (head_dim != dim / heads)
  float embed_std = 0.5f;   // Gemmas multiply embeddings by sqrt(dim) = 8: 0.5 / 8 keeps them at 0.5
};

constexpr uint32_t kVocab = 320, kDim = 64, kContext = 64;

Weights family_weights(const FamilySpec& s) {
  Weights w(s.seed);
  const uint64_t q_dim = uint64_t{s.heads} * s.head_dim, kv_dim = uint64_t{s.kv_heads} * s.head_dim;
  w.add("token_embd.weight", {kVocab, kDim}, 0.0f, s.embed_std);
  for (uint32_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    w.norm_weight(p + "attn_norm.weight", kDim);
    if (s.fused_qkv) {
      w.matrix(p + "attn_qkv.weight", q_dim + 2 * kv_dim, kDim);
    } else {
      w.matrix(p + "attn_q.weight", q_dim, kDim);
      w.matrix(p + "attn_k.weight", kv_dim, kDim);
      w.matrix(p + "attn_v.weight", kv_dim, kDim);
      if (s.qkv_bias) {
        w.bias(p + "attn_q.bias", q_dim);
        w.bias(p + "attn_k.bias", kv_dim);
        w.bias(p + "attn_v.bias", kv_dim);
      }
    }
    if (s.qk_norm) {
      w.norm_weight(p + "attn_q_norm.weight", s.head_dim);
      w.norm_weight(p + "attn_k_norm.weight", s.head_dim);
    }
    w.matrix(p + "attn_output.weight", kDim, q_dim, kResidualGain);
    if (s.post_norms) w.norm_weight(p + "post_attention_norm.weight", kDim);
    w.norm_weight(p + "ffn_norm.weight", kDim);
    if (s.fused_gate_up) {
      w.matrix(p + "ffn_up.weight", 2 * uint64_t{s.ffn}, kDim);
    } else {
      w.matrix(p + "ffn_gate.weight", s.ffn, kDim);
      w.matrix(p + "ffn_up.weight", s.ffn, kDim);
    }
    w.matrix(p + "ffn_down.weight", kDim, s.ffn, kResidualGain);
    if (s.post_norms) w.norm_weight(p + "post_ffw_norm.weight", kDim);
  }
  w.norm_weight("output_norm.weight", kDim);
  if (!s.tied) w.add("output.weight", {kVocab, kDim}, 0.0f, 0.25f);
  return w;
}

ModelFile family_metadata(const FamilySpec& s, double rope_base) {
  ModelFile m;
  m.architecture = s.arch;
  const std::string p = std::string(s.arch) + ".";
  put(m, "general.architecture", s.arch, "str");
  // Not the file name: llama.cpp's vocabulary loader looks for Phi-3's special tokens
  // when the name says phi3.
  put(m, "general.name", "hart reference decoder " + std::to_string(s.seed), "str");
  put(m, p + "block_count", s.layers, "u32");
  put(m, p + "context_length", kContext, "u32");
  put(m, p + "embedding_length", kDim, "u32");
  put(m, p + "feed_forward_length", s.ffn, "u32");
  put(m, p + "attention.head_count", s.heads, "u32");
  put(m, p + "attention.head_count_kv", s.kv_heads, "u32");
  if (s.key_length) {
    put(m, p + "attention.key_length", s.head_dim, "u32");
    put(m, p + "attention.value_length", s.head_dim, "u32");
  }
  put(m, p + "rope.freq_base", rope_base, "f32");
  put(m, p + "rope.dimension_count", s.head_dim, "u32");
  put(m, p + "attention.layer_norm_rms_epsilon", 1e-6, "f32");
  put(m, "general.file_type", 0, "u32");
  return m;
}

void finish(Writer& out, const FamilySpec& s, ModelFile m, Weights w) {
  llama_tokenizer(m, kVocab);
  put(m, "general.quantization_version", 2, "u32");
  out.gguf(s.file, std::move(m), w.all(), DType::F32);
}

// Llama 3's frequency factors (rope_freqs.weight, as convert_hf_to_gguf.py computes
// them for rope_type "llama3"): low-frequency pairs slowed by `factor`, high ones
// kept, a smooth ramp between, here against an original context of 16.
Tensor llama3_rope_freqs(uint32_t n_rot, double base) {
  const double factor = 8, low_freq_factor = 1, high_freq_factor = 4, original = 16;
  const double low_wavelen = original / low_freq_factor, high_wavelen = original / high_freq_factor;
  Tensor t{"rope_freqs.weight", {n_rot / 2}, std::vector<float>(n_rot / 2)};
  for (uint32_t i = 0; i < n_rot / 2; ++i) {
    const double freq = 1.0 / std::pow(base, 2.0 * i / n_rot), wavelen = 2 * M_PI / freq;
    double f = 1;
    if (wavelen > low_wavelen) {
      f = factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth = (original / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      f = 1 / ((1 - smooth) / factor + smooth);
    }
    t.values[i] = static_cast<float>(f);
  }
  return t;
}

void write_qwen2(Writer& out) {  // Q/K/V biases, separate output, YaRN scaling over an original 16 positions
  FamilySpec s{"qwen2_f32.gguf", "qwen2", 404};
  s.qkv_bias = true;
  s.tied = false;
  ModelFile m = family_metadata(s, 1000000.0);
  put(m, "qwen2.rope.scaling.type", "yarn", "str");
  put(m, "qwen2.rope.scaling.factor", 4.0, "f32");
  put(m, "qwen2.rope.scaling.original_context_length", 16, "u32");
  finish(out, s, std::move(m), family_weights(s));
}

void write_qwen3(Writer& out) {  // Q/K norms, heads 24 wide (not dim / heads)
  FamilySpec s{"qwen3_f32.gguf", "qwen3", 505};
  s.qk_norm = true;
  s.head_dim = 24;
  s.key_length = true;
  finish(out, s, family_metadata(s, 1000000.0), family_weights(s));
}

void write_phi3(Writer& out) {  // fused QKV and gate/up; long-context RoPE factors and attention factor
  FamilySpec s{"phi3_f32.gguf", "phi3", 606};
  s.fused_qkv = s.fused_gate_up = true;
  s.kv_heads = 4;
  s.tied = false;
  ModelFile m = family_metadata(s, 10000.0);
  put(m, "phi3.rope.scaling.attn_factor", 1.1, "f32");
  put(m, "phi3.rope.scaling.original_context_length", 32, "u32");  // < the context: the long factors
  Weights w = family_weights(s);
  w.add("rope_factors_long.weight", {s.head_dim / 2}, 3.0f, 1.0f);
  w.add("rope_factors_short.weight", {s.head_dim / 2}, 1.0f, 0.1f);
  finish(out, s, std::move(m), std::move(w));
}

void write_gemma(Writer& out) {  // one KV head, heads 32 wide, GeGLU, scaled embeddings
  FamilySpec s{"gemma_f32.gguf", "gemma", 707};
  s.embed_std = 0.0625f;
  s.kv_heads = 1;
  s.head_dim = 32;
  s.key_length = true;
  finish(out, s, family_metadata(s, 10000.0), family_weights(s));
}

void write_gemma2(Writer& out) {  // post-norms, soft-capped scores and logits, a window of 6 on even layers
  FamilySpec s{"gemma2_f32.gguf", "gemma2", 818};
  s.embed_std = 0.0625f;
  s.post_norms = true;
  s.key_length = true;
  ModelFile m = family_metadata(s, 10000.0);
  put(m, "gemma2.attn_logit_softcapping", 1.5, "f32");
  put(m, "gemma2.final_logit_softcapping", 10.0, "f32");
  put(m, "gemma2.attention.sliding_window", 6, "u32");
  finish(out, s, std::move(m), family_weights(s));
}

void write_gemma3(Writer& out) {  // Q/K norms, post-norms, windows on layers 0 and 2, global RoPE scaled 1/8
  FamilySpec s{"gemma3_f32.gguf", "gemma3", 909};
  s.embed_std = 0.0625f;
  s.layers = 3;
  s.qk_norm = s.post_norms = true;
  s.key_length = true;
  ModelFile m = family_metadata(s, 1000000.0);
  put(m, "gemma3.attention.sliding_window", 6, "u32");
  put(m, "gemma3.attention.sliding_window_pattern", 2, "u32");
  put(m, "gemma3.rope.scaling.type", "linear", "str");
  put(m, "gemma3.rope.scaling.factor", 8.0, "f32");
  finish(out, s, std::move(m), family_weights(s));
}

void write_llama3(Writer& out) {  // Llama 3 RoPE: frequency factors in rope_freqs.weight
  FamilySpec s{"llama3_f32.gguf", "llama", 1010};
  s.tied = false;
  ModelFile m = family_metadata(s, 500000.0);
  Weights w = family_weights(s);
  Tensor freqs = llama3_rope_freqs(s.head_dim, 500000.0);
  Tensor& t = w.add(freqs.name, freqs.shape, 0.0f, 0.0f);
  t.values = freqs.values;
  finish(out, s, std::move(m), std::move(w));
}

void write_mistral(Writer& out) {  // a Llama with a sliding window of 6 on every layer (Mistral 7B v0.1)
  FamilySpec s{"mistral_f32.gguf", "llama", 1111};
  s.kv_heads = 1;
  s.tied = false;
  ModelFile m = family_metadata(s, 10000.0);
  put(m, "llama.attention.sliding_window", 6, "u32");
  finish(out, s, std::move(m), family_weights(s));
}

}  // namespace

void write_decoder_families(Writer& out) {
  write_qwen2(out);
  write_qwen3(out);
  write_phi3(out);
  write_gemma(out);
  write_gemma2(out);
  write_gemma3(out);
  write_llama3(out);
  write_mistral(out);
}

}  // namespace hart::reference
