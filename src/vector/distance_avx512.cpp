// AVX-512F kernels (run only when distance.cpp has checked the CPU): four 16-wide
// accumulators, then 16-wide steps, then one masked load for the last 1-15 elements.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "vector/distance_kernels.h"

#define HART_VEC_AVX512 __attribute__((target("avx512f,avx2,fma")))

// GCC 12 warns inside its own unmasked AVX-512 intrinsics (they start from
// _mm512_undefined_*); the warnings are bogus.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace hart::vector::detail {
namespace {

HART_VEC_AVX512 inline __mmask16 tail_mask(size_t rem) { return static_cast<__mmask16>((1u << rem) - 1); }

HART_VEC_AVX512 inline float l2_squared(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
    __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
    s2 = _mm512_fmadd_ps(d2, d2, s2);
    s3 = _mm512_fmadd_ps(d3, d3, s3);
  }
  for (; i + 16 <= n; i += 16) {
    __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  if (i < n) {
    __mmask16 m = tail_mask(n - i);
    __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    s1 = _mm512_fmadd_ps(d, d, s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

HART_VEC_AVX512 inline float dot(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
    s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  if (i < n) {
    __mmask16 m = tail_mask(n - i);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

HART_VEC_AVX512 void l2_squared_rows(const float* q, const float* r, size_t n_rows, size_t dim, float* out) {
  for (size_t i = 0; i < n_rows; ++i) out[i] = l2_squared(q, r + i * dim, dim);
}

HART_VEC_AVX512 void dot_rows(const float* q, const float* r, size_t n_rows, size_t dim, float* out) {
  for (size_t i = 0; i < n_rows; ++i) out[i] = dot(q, r + i * dim, dim);
}

}  // namespace

const DistanceKernels kAvx512Kernels{SimdPath::Avx512, l2_squared, dot, l2_squared_rows, dot_rows};

}  // namespace hart::vector::detail
#endif
