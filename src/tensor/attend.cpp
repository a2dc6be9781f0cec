#include "tensor/attend.h"

#include <algorithm>
#include <cmath>

#include "formats/dtype.h"
#include "tensor/cpu_path.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/simd_x86.h"
#endif

namespace hart::tensor {
namespace {

void cap_scores(float* score, size_t n, float softcap) {
  for (size_t t = 0; t < n; ++t) score[t] = softcap * std::tanh(score[t] / softcap);
}

inline float value_of(float x) { return x; }
inline float value_of(uint16_t h) { return f16_to_f32(h); }

template <class T>
void attend_one(const float* q, const T* keys, const T* values, size_t stride, size_t n, size_t hd, float scale,
                float softcap, float* score, float* out) {
  for (size_t t = 0; t < n; ++t) {
    const T* k = keys + t * stride;
    float s = 0;
    for (size_t d = 0; d < hd; ++d) s = std::fma(q[d], value_of(k[d]), s);
    score[t] = s * scale;
  }
  if (softcap > 0) cap_scores(score, n, softcap);
  float mx = -INFINITY;
  for (size_t t = 0; t < n; ++t) mx = std::max(mx, score[t]);
  float sum = 0;
  for (size_t t = 0; t < n; ++t) sum += (score[t] = std::exp(score[t] - mx));
  std::fill(out, out + hd, 0.0f);
  for (size_t t = 0; t < n; ++t)
    for (size_t d = 0; d < hd; ++d) out[d] = std::fma(score[t], value_of(values[t * stride + d]), out[d]);
  const float inv = 1.0f / sum;
  for (size_t d = 0; d < hd; ++d) out[d] *= inv;
}

template <class T>
void attend_scalar(const float* q, size_t q_stride, size_t nq, const T* keys, const T* values, size_t stride,
                   const size_t* lo, const size_t* hi, size_t hd, float scale, float softcap, float* score,
                   float* out) {
  for (size_t j = 0; j < nq; ++j)
    attend_one(q + j * q_stride, keys + lo[j] * stride, values + lo[j] * stride, stride, hi[j] - lo[j], hd, scale,
               softcap, score, out + j * q_stride);
}

#ifdef HART_AVX2
using simd::hmax;
using simd::hsum;

// exp(x) for x <= 0 (softmax after subtracting the max): 2^k * p(r), x = k ln2 + r,
// |r| <= ln2/2, p a degree-6 Taylor polynomial (error < 2 ulp); x < -87 gives 0.
HART_AVX2 inline __m256 exp_neg(__m256 x) {
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187e-06f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  const __m256 e = _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
  return _mm256_and_ps(e, _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_GE_OQ));
}

HART_AVX2 inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
HART_AVX2 inline __m256 load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The 8 sums of a[0..7], in order, as one vector: hadd pairs, then pairs of pairs (lane
// u of each 128-bit half holds half of a[u]'s sum), then the halves added.
HART_AVX2 inline __m256 sum8(const __m256* a) {
  const __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
  const __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

// q . k over hd (a multiple of 8), summed in sum8's order: a score must not depend on
// whether its key fell in a group of 8 / Q or in the tail, which the tile decides
// (a prefix copied or recomputed gives the same logits bit for bit).
template <class T>
HART_AVX2 float dot(const float* a, const T* b, size_t n) {
  __m256 s = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load8(b + i), s);
  const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s, s), _mm256_setzero_ps());
  return _mm_cvtss_f32(_mm_add_ss(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}

// Softmax of s[a, b) in place (exp(s - max) / sum, the division left to the caller,
// which gets 1 / sum back); everything outside [a, b) of s[0, n) becomes 0.
HART_AVX2 float softmax_range(float* s, size_t a, size_t b, size_t n) {
  std::fill(s, s + a, 0.0f);
  std::fill(s + b, s + n, 0.0f);
  size_t t = a;
  __m256 mv = _mm256_set1_ps(-INFINITY);
  for (; t + 8 <= b; t += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(s + t));
  float mx = hmax(mv);
  for (; t < b; ++t) mx = std::max(mx, s[t]);
  const __m256 m8 = _mm256_set1_ps(mx);
  __m256 sv = _mm256_setzero_ps();
  for (t = a; t + 8 <= b; t += 8) {
    const __m256 e = exp_neg(_mm256_sub_ps(_mm256_loadu_ps(s + t), m8));
    _mm256_storeu_ps(s + t, e);
    sv = _mm256_add_ps(sv, e);
  }
  float sum = hsum(sv);
  for (; t < b; ++t) sum += (s[t] = std::exp(s[t] - mx));
  return 1.0f / sum;
}

// out_j[0, 8 D) = inv_j * sum_t p_jt v_t[0, 8 D) for Q queries: Q * D accumulators.
template <class T, int Q, int D>
HART_AVX2 inline void weigh_values(const float* p, size_t n, const T* values, size_t stride, const float* inv,
                                   float* out, size_t out_stride) {
  __m256 acc[Q * D];
  HART_UNROLL for (int i = 0; i < Q * D; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t t = 0; t < n; ++t) {
    __m256 v[D];
    HART_UNROLL for (int c = 0; c < D; ++c) v[c] = load8(values + t * stride + 8 * c);
    HART_UNROLL for (int j = 0; j < Q; ++j) {
      const __m256 pj = _mm256_broadcast_ss(p + j * n + t);
      HART_UNROLL for (int c = 0; c < D; ++c) acc[j * D + c] = _mm256_fmadd_ps(pj, v[c], acc[j * D + c]);
    }
  }
  HART_UNROLL for (int j = 0; j < Q; ++j)
    HART_UNROLL for (int c = 0; c < D; ++c)
      _mm256_storeu_ps(out + j * out_stride + 8 * c, _mm256_mul_ps(acc[j * D + c], _mm256_set1_ps(inv[j])));
}

// Q queries at once (Q = 1, 2 or 4; head_dim a multiple of 8), so each key and value
// row is loaded (and, from an F16 cache, converted) once for all of them: a prompt's
// consecutive queries share almost all their keys. Eight accumulators everywhere:
// 8 / Q keys per step for the scores, 8 / Q vectors of dims per pass for the values.
template <class T, int Q>
HART_AVX2 void tile_avx2(const float* q, size_t q_stride, const T* keys, const T* values, size_t stride,
                         const size_t* lo, const size_t* hi, size_t hd, float scale, float softcap, float* score,
                         float* out) {
  constexpr int K = 8 / Q;
  const size_t first = *std::min_element(lo, lo + Q), end = *std::max_element(hi, hi + Q), n = end - first;
  keys += first * stride;
  values += first * stride;
  size_t t = 0;
  for (; t + K <= n; t += K) {
    __m256 a[8];
    HART_UNROLL for (int u = 0; u < 8; ++u) a[u] = _mm256_setzero_ps();
    for (size_t d = 0; d < hd; d += 8) {
      __m256 k[K];
      HART_UNROLL for (int u = 0; u < K; ++u) k[u] = load8(keys + (t + u) * stride + d);
      HART_UNROLL for (int j = 0; j < Q; ++j) {
        const __m256 qv = _mm256_loadu_ps(q + j * q_stride + d);
        HART_UNROLL for (int u = 0; u < K; ++u) a[j * K + u] = _mm256_fmadd_ps(qv, k[u], a[j * K + u]);
      }
    }
    alignas(32) float s[8];
    _mm256_store_ps(s, _mm256_mul_ps(sum8(a), _mm256_set1_ps(scale)));
    HART_UNROLL for (int j = 0; j < Q; ++j)
      HART_UNROLL for (int u = 0; u < K; ++u) score[j * n + t + u] = s[j * K + u];
  }
  for (; t < n; ++t)
    for (int j = 0; j < Q; ++j) score[j * n + t] = dot(q + j * q_stride, keys + t * stride, hd) * scale;
  float inv[Q];
  for (int j = 0; j < Q; ++j) {
    float* s = score + j * n;
    if (softcap > 0) cap_scores(s + lo[j] - first, hi[j] - lo[j], softcap);
    inv[j] = softmax_range(s, lo[j] - first, hi[j] - first, n);
  }
  // out_j = sum_t p_jt v_t, 8 / Q vectors of dims at a time, then single vectors
  constexpr int D = 8 / Q;
  size_t d = 0;
  for (; d + 8 * D <= hd; d += 8 * D) weigh_values<T, Q, D>(score, n, values + d, stride, inv, out + d, q_stride);
  for (; d < hd; d += 8) weigh_values<T, Q, 1>(score, n, values + d, stride, inv, out + d, q_stride);
}

template <class T>
HART_AVX2 void attend_avx2(const float* q, size_t q_stride, size_t nq, const T* keys, const T* values, size_t stride,
                           const size_t* lo, const size_t* hi, size_t hd, float scale, float softcap, float* score,
                           float* out) {
  if (hd % 8 != 0) return attend_scalar(q, q_stride, nq, keys, values, stride, lo, hi, hd, scale, softcap, score, out);
  for (size_t j = 0; j < nq;) {
    const size_t at = j * q_stride;
    if (nq - j >= 4)
      tile_avx2<T, 4>(q + at, q_stride, keys, values, stride, lo + j, hi + j, hd, scale, softcap, score, out + at), j += 4;
    else if (nq - j >= 2)
      tile_avx2<T, 2>(q + at, q_stride, keys, values, stride, lo + j, hi + j, hd, scale, softcap, score, out + at), j += 2;
    else
      tile_avx2<T, 1>(q + at, q_stride, keys, values, stride, lo + j, hi + j, hd, scale, softcap, score, out + at), j += 1;
  }
}

#endif

template <class T>
using AttendFn = void (*)(const float*, size_t, size_t, const T*, const T*, size_t, const size_t*, const size_t*, size_t,
                          float, float, float*, float*);

template <class T>
AttendFn<T> pick() {
#ifdef HART_AVX2
  if (best_path() != Path::Scalar) return attend_avx2<T>;
#endif
  return attend_scalar<T>;
}

const AttendFn<float> attend_f32 = pick<float>();
const AttendFn<uint16_t> attend_f16 = pick<uint16_t>();

}  // namespace

void attend(const float* q, size_t q_stride, size_t nq, const float* keys, const float* values, size_t stride,
            const size_t* lo, const size_t* hi, size_t head_dim, float scale, float softcap, float* score, float* out) {
  attend_f32(q, q_stride, nq, keys, values, stride, lo, hi, head_dim, scale, softcap, score, out);
}

void attend(const float* q, size_t q_stride, size_t nq, const uint16_t* keys, const uint16_t* values, size_t stride,
            const size_t* lo, const size_t* hi, size_t head_dim, float scale, float softcap, float* score, float* out) {
  attend_f16(q, q_stride, nq, keys, values, stride, lo, hi, head_dim, scale, softcap, score, out);
}

}  // namespace hart::tensor
