// One query's attention over one head, the inner loop of every decoder and encoder:
//   out = softmax(scale * q . k_t) weighted sum of v_t, t < n
// with key t at keys + t * stride and value t at values + t * stride (a KV cache's
// rows, floats or IEEE halves: an F16 cache holds half the bytes). One call per (query, head) keeps heads of 8 floats (stories260K) from
// drowning in per-position calls. AVX2 + FMA when the CPU has them (chosen once at
// run time, with a polynomial exp accurate to ~2 ulp), portable C++ otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hart::tensor {

// `score` is scratch for n floats; q, out are head_dim floats; n >= 1. A softcap > 0
// bounds each score to (-softcap, softcap) by softcap * tanh(score / softcap) before
// the softmax (Gemma 2).
void attend(const float* q, const float* keys, const float* values, size_t stride, size_t n, size_t head_dim,
            float scale, float softcap, float* score, float* out);
void attend(const float* q, const uint16_t* keys, const uint16_t* values, size_t stride, size_t n, size_t head_dim,
            float scale, float softcap, float* score, float* out);

}  // namespace hart::tensor
