// Attention of queries over one head's keys and values, the inner loop of every
// decoder and encoder: for query j,
//   out_j = softmax(scale * q_j . k_t) weighted sum of v_t, lo[j] <= t < hi[j]
// with key t at keys + t * stride and value t at values + t * stride (a KV cache's
// rows, floats or IEEE halves: an F16 cache holds half the bytes). Several queries per
// call (a prompt's consecutive tokens) share each key and value row as it is loaded,
// 4 at a time; one call per (queries, head) keeps heads of 8 floats (stories260K) from
// drowning in per-position calls. AVX2 + FMA when the CPU has them (chosen once at run
// time, with a polynomial exp accurate to ~2 ulp), portable C++ otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hart::tensor {

// Query j (j < nq) is q + j * q_stride and its output out + j * q_stride (head_dim
// floats each; out may be q: every query is read before any output is written). Each
// lo[j] < hi[j]. `score` is scratch for nq * (max hi - min lo) floats. A softcap > 0
// bounds each score to (-softcap, softcap) by softcap * tanh(score / softcap) before
// the softmax (Gemma 2).
void attend(const float* q, size_t q_stride, size_t nq, const float* keys, const float* values, size_t stride,
            const size_t* lo, const size_t* hi, size_t head_dim, float scale, float softcap, float* score, float* out);
void attend(const float* q, size_t q_stride, size_t nq, const uint16_t* keys, const uint16_t* values, size_t stride,
            const size_t* lo, const size_t* hi, size_t head_dim, float scale, float softcap, float* score, float* out);

// One query over keys [0, n).
template <class T>
void attend(const float* q, const T* keys, const T* values, size_t stride, size_t n, size_t head_dim, float scale,
            float softcap, float* score, float* out) {
  const size_t lo = 0;
  attend(q, head_dim, 1, keys, values, stride, &lo, &n, head_dim, scale, softcap, score, out);
}

}  // namespace hart::tensor
