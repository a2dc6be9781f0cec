// What the x86 SIMD code of tensor/ shares: the target attributes of its two paths
// (cpu_path.h checks the CPU has them before any of it runs), and small helpers. Each
// helper carries the smallest target it needs, so functions compiled for a superset
// inline them. Include only from x86 code.
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#define HART_AVX2 __attribute__((target("avx2,fma,f16c")))
#define HART_AVX2_VNNI __attribute__((target("avx2,fma,f16c,avxvnni")))
#define HART_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))

// GCC 12 warns inside its own unmasked AVX-512 intrinsics (they start from
// _mm512_undefined_*); the warnings are bogus.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace hart::tensor::simd {

// The f16 at p (any alignment) as a float.
__attribute__((target("f16c"))) inline float half_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

__attribute__((target("avx"))) inline float hsum(__m128 s) {
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx"))) inline float hsum(__m256 v) {
  return hsum(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)));
}

__attribute__((target("avx512f"))) inline float hsum(__m512 v) {
  return hsum(_mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

__attribute__((target("avx"))) inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace hart::tensor::simd
