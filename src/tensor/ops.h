// Element-wise and row operations of a transformer forward pass, on float32.
// Scalar C++ (these are O(dim) per token against the matmuls' O(dim^2); the
// compiler vectorises the simple loops). In-place use (out == x) is allowed.
#pragma once
#include <cstddef>

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

enum class RopeLayout {
  Norm,  // GGML_ROPE_TYPE_NORM (Llama GGUF): rotate pairs (x[2i], x[2i+1])
  Neox,  // GGML_ROPE_TYPE_NEOX (GPT-NeoX, Qwen, HF Llama): pairs (x[i], x[i + n_rot/2])
};
// Rotates the first n_rot dims of each of n_heads heads of size head_dim at
// position pos: pair i turns by pos * base^(-2i / n_rot). n_rot must be even and
// <= head_dim.
void rope(float* x, size_t n_heads, size_t head_dim, size_t n_rot, size_t pos, float base, RopeLayout layout);

}  // namespace hart::tensor
