#include "tensor/dot.h"

#include <cmath>

#include "tensor/cpu_path.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HART_AVX2_FMA __attribute__((target("avx2,fma")))
#endif

namespace hart::tensor {
namespace {

float dot_scalar(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s = std::fma(a[i], b[i], s);
  return s;
}

void axpy_scalar(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] = std::fma(a, x[i], y[i]);
}

#ifdef HART_AVX2_FMA
// Two accumulators: a head of 64 floats is 8 FMAs, and one chain would wait on
// each FMA's latency.
HART_AVX2_FMA float dot_avx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  if (i + 8 <= n) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0), i += 8;
  const __m256 s8 = _mm256_add_ps(s0, s1);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float r = _mm_cvtss_f32(s);
  for (; i < n; ++i) r = std::fma(a[i], b[i], r);
  return r;
}

HART_AVX2_FMA void axpy_avx2(float a, const float* x, float* y, size_t n) {
  const __m256 av = _mm256_set1_ps(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] = std::fma(a, x[i], y[i]);
}
#endif

struct Fns {
  float (*dot)(const float*, const float*, size_t);
  void (*axpy)(float, const float*, float*, size_t);
};

Fns pick() {
#ifdef HART_AVX2_FMA
  if (path_supported(Path::Avx2)) return {dot_avx2, axpy_avx2};
#endif
  return {dot_scalar, axpy_scalar};
}

const Fns fns = pick();

}  // namespace

float dot(const float* a, const float* b, size_t n) { return fns.dot(a, b, n); }
void axpy(float a, const float* x, float* y, size_t n) { fns.axpy(a, x, y, n); }

}  // namespace hart::tensor
