// Element-wise and row operations of a transformer forward pass, on float32.
// Scalar C++ (these are O(dim) per token against the matmuls' O(dim^2); the
// compiler vectorises the simple loops). In-place use (out == x) is allowed.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hart::tensor {

// out = x / sqrt(mean(x^2) + eps) * w   (w may be null: no scale)
void rmsnorm(const float* x, const float* w, float* out, size_t n, float eps);
// out = (x - mean) / sqrt(var + eps) * w + b   (w, b may be null)
void layernorm(const float* x, const float* w, const float* b, float* out, size_t n, float eps);
// x = exp(x - max) / sum, in place; the max is subtracted first, so no overflow.
void softmax(float* x, size_t n);
void silu(float* x, size_t n);        // x * sigmoid(x)
void gelu(float* x, size_t n);        // tanh approximation (GPT-2, GGML's gelu)
void gelu_erf(float* x, size_t n);    // exact 0.5 x (1 + erf(x / sqrt 2)) (BERT, as Hugging Face)
void add(const float* a, const float* b, float* out, size_t n);
void mul(const float* a, const float* b, float* out, size_t n);
void swiglu(const float* gate, const float* up, float* out, size_t n);  // silu(gate) * up
void geglu(const float* gate, const float* up, float* out, size_t n);   // gelu(gate) * up (tanh GELU, Gemma)
void softcap(float* x, size_t n, float cap);                           // cap * tanh(x / cap) (Gemma 2 logits)

enum class RopeLayout {
  Norm,  // GGML_ROPE_TYPE_NORM (Llama GGUF): rotate pairs (x[2i], x[2i+1])
  Neox,  // GGML_ROPE_TYPE_NEOX (GPT-NeoX, Qwen, HF Llama): pairs (x[i], x[i + n_rot/2])
};
// How a model rotates its queries and keys (GGML's rope_ext): pair i of the first
// n_rot dims of a head at position p turns by theta_i = p * base^(-2i / n_rot) /
// factors[i], scaled by freq_scale (linear interpolation, 1 / rope.scaling.factor)
// and, with YaRN (ext_factor != 0), blended back toward the unscaled angle on the
// dimensions that YaRN's corrections (beta_fast, beta_slow over n_ctx_orig) say
// extrapolate; cos and sin are multiplied by attn_factor.
struct RopeSpec {
  size_t n_rot = 0;
  float base = 10000.0f;
  RopeLayout layout = RopeLayout::Norm;
  float freq_scale = 1.0f;
  const float* factors = nullptr;  // n_rot / 2 divisors (Llama 3 rope_freqs, Phi-3 rope factors), or null
  float ext_factor = 0.0f, attn_factor = 1.0f, beta_fast = 32.0f, beta_slow = 1.0f;
  uint32_t n_ctx_orig = 0;
};
// Rotates each of n_heads heads of size head_dim at position pos. n_rot must be
// even and <= head_dim (an Error otherwise).
void rope(float* x, size_t n_heads, size_t head_dim, size_t pos, const RopeSpec& spec);

}  // namespace hart::tensor
