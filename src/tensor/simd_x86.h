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

// Sub-block s's 16 scales (or mins, `mins`) of an interleaved Q4_K super-block
// (interleave.h's packing) as one byte per row. SSE2 only: every path inlines it.
inline __m128i q4k_row_bytes(const uint8_t* blk, int s, bool mins) {
  const uint8_t* at = blk + 64 + 24 * s;
  const __m128i m4 = _mm_set1_epi8(0xF);
  const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  const __m128i packed = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(at + 16));
  const __m128i high = _mm_unpacklo_epi8(_mm_and_si128(packed, m4), _mm_and_si128(_mm_srli_epi16(packed, 4), m4));
  const __m128i lo4 = mins ? _mm_and_si128(_mm_srli_epi16(low, 4), m4) : _mm_and_si128(low, m4);
  const __m128i hi2 = _mm_and_si128(mins ? _mm_srli_epi16(high, 2) : high, _mm_set1_epi8(3));
  return _mm_or_si128(lo4, _mm_slli_epi16(hi2, 4));
}

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
