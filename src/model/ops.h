// The small element-wise steps of a transformer forward pass, kept plain: they
// are a sliver of the time next to the matrix products in tensor/.
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/loaded_model.h"

namespace hart::ops {

// out = x / rms(x) * w  (w may be null: no scale)
void rmsnorm(float* out, const float* x, const float* w, size_t n, float eps);
// out = (x - mean) / std * w + b
void layernorm(float* out, const float* x, const float* w, const float* b, size_t n, float eps);
// In-place softmax over n values.
void softmax(float* x, size_t n);
// Rotary embedding, llama.cpp's "normal" layout: pairs (x[2i], x[2i+1]) of each head
// rotate by pos * base^(-2i / n_rot) for 2i < n_rot; the rest of the head is left.
void rope_norm(float* x, size_t n_heads, size_t head_dim, size_t n_rot, int32_t pos, float base);
// gate[i] = silu(gate[i]) * up[i]
void swiglu(float* gate, const float* up, size_t n);
// x[i] += y[i]
void add(float* x, const float* y, size_t n);
// A tensor row (any dtype) as floats: row `r` of a [rows, cols] tensor.
void read_row(const TensorView& t, uint64_t r, float* out);
// A whole small tensor (norm weights, biases) as floats.
std::vector<float> to_floats(const TensorView& t);

}  // namespace hart::ops
