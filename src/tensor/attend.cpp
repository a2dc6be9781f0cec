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
void attend_scalar(const float* q, const T* keys, const T* values, size_t stride, size_t n, size_t hd, float scale,
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
HART_AVX2 inline float load1(const float* p) { return *p; }
HART_AVX2 inline float load1(const uint16_t* p) { return _cvtsh_ss(*p); }

template <class T>
HART_AVX2 float dot(const float* a, const T* b, size_t n) {
  __m256 s = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), load8(b + i), s);
  float r = hsum(s);
  for (; i < n; ++i) r = std::fma(a[i], load1(b + i), r);
  return r;
}

template <class T>
HART_AVX2 void attend_avx2(const float* q, const T* keys, const T* values, size_t stride, size_t n, size_t hd,
                           float scale, float softcap, float* score, float* out) {
  size_t t0 = 0;
  if (hd % 8 == 0)  // 8 keys at a time: their dots reduced together, not one horizontal sum each
    for (; t0 + 8 <= n; t0 += 8) {
      __m256 a[8];
      for (int u = 0; u < 8; ++u) a[u] = _mm256_setzero_ps();
      for (size_t d = 0; d < hd; d += 8) {
        const __m256 qv = _mm256_loadu_ps(q + d);
#pragma GCC unroll 8
        for (int u = 0; u < 8; ++u) a[u] = _mm256_fmadd_ps(qv, load8(keys + (t0 + u) * stride + d), a[u]);
      }
      // hadd pairs, then pairs of pairs: lane u of each 128-bit half holds half of key u's dot
      const __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
      const __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
      const __m256 dots = _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
      _mm256_storeu_ps(score + t0, _mm256_mul_ps(dots, _mm256_set1_ps(scale)));
    }
  for (size_t t = t0; t < n; ++t) score[t] = dot(q, keys + t * stride, hd) * scale;
  if (softcap > 0) cap_scores(score, n, softcap);
  // max, then exp and sum, 8 positions at a time
  size_t t = 0;
  __m256 mv = _mm256_set1_ps(-INFINITY);
  for (; t + 8 <= n; t += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(score + t));
  float mx = hmax(mv);
  for (; t < n; ++t) mx = std::max(mx, score[t]);
  const __m256 m8 = _mm256_set1_ps(mx);
  __m256 sv = _mm256_setzero_ps();
  for (t = 0; t + 8 <= n; t += 8) {
    const __m256 e = exp_neg(_mm256_sub_ps(_mm256_loadu_ps(score + t), m8));
    _mm256_storeu_ps(score + t, e);
    sv = _mm256_add_ps(sv, e);
  }
  float sum = hsum(sv);
  for (; t < n; ++t) sum += (score[t] = std::exp(score[t] - mx));
  // out = sum_t p_t v_t / sum, 8 dims at a time
  const float inv = 1.0f / sum;
  size_t d = 0;
  for (; d + 8 <= hd; d += 8) {
    __m256 acc = _mm256_setzero_ps();
    for (t = 0; t < n; ++t) acc = _mm256_fmadd_ps(_mm256_set1_ps(score[t]), load8(values + t * stride + d), acc);
    _mm256_storeu_ps(out + d, _mm256_mul_ps(acc, _mm256_set1_ps(inv)));
  }
  for (; d < hd; ++d) {
    float acc = 0;
    for (t = 0; t < n; ++t) acc = std::fma(score[t], load1(values + t * stride + d), acc);
    out[d] = acc * inv;
  }
}

#endif

template <class T>
using AttendFn = void (*)(const float*, const T*, const T*, size_t, size_t, size_t, float, float, float*, float*);

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

void attend(const float* q, const float* keys, const float* values, size_t stride, size_t n, size_t head_dim,
            float scale, float softcap, float* score, float* out) {
  attend_f32(q, keys, values, stride, n, head_dim, scale, softcap, score, out);
}

void attend(const float* q, const uint16_t* keys, const uint16_t* values, size_t stride, size_t n, size_t head_dim,
            float scale, float softcap, float* score, float* out) {
  attend_f16(q, keys, values, stride, n, head_dim, scale, softcap, score, out);
}

}  // namespace hart::tensor
