// IEEE binary16 and bfloat16 conversions: portable bit-exact scalar code plus
// run-time selected AVX2/F16C and AVX-512 bulk paths.
#include "formats/half.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "formats/dtype.h"
#include "util/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HART_X86 1
#endif

static_assert(std::endian::native == std::endian::little, "stored tensors are little-endian");

namespace hart {

// NaNs come out quiet (bit 22 set), as x86's VCVTPH2PS produces them, so the SIMD
// and scalar paths agree on every bit pattern.
float f16_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (man << 13) | (man ? 0x400000u : 0);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {  // subnormal: normalise the mantissa
    int e = 1;
    while (!(man & 0x400)) {
      man <<= 1;
      --e;
    }
    bits = sign | (uint32_t(e + 112) << 23) | ((man & 0x3ff) << 13);
  }
  return std::bit_cast<float>(bits);
}

uint16_t f32_to_f16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint16_t sign = (x >> 16) & 0x8000;
  x &= 0x7fffffff;
  if (x > 0x7f800000) return sign | 0x7e00 | ((x >> 13) & 0x3ff);  // NaN: quiet, keep top payload
  if (x >= 0x477ff000) return sign | 0x7c00;  // >= 65520 rounds (ties-to-even) to inf
  if (x >= 0x38800000) {                      // normal half
    uint32_t h = ((x >> 23) - 112) << 10 | ((x >> 13) & 0x3ff);
    uint32_t rem = x & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h;  // a carry into the exponent is right
    return sign | h;
  }
  if (x <= 0x33000000) return sign;  // <= 2^-25: half the smallest subnormal ties to 0
  // Subnormal half: value in units of 2^-24 is mant >> shift, rounded to nearest even.
  uint32_t mant = (x & 0x7fffff) | 0x800000;
  uint32_t shift = 126 - (x >> 23);
  uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) ++q;
  return sign | q;
}

float bf16_to_f32(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

uint16_t f32_to_bf16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffff) > 0x7f800000) return uint16_t((x >> 16) | 0x40);  // truncation could leave inf
  return uint16_t((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

namespace half {
namespace {

uint16_t load16(const unsigned char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void f16_portable(const unsigned char* s, float* d, size_t n) {
  for (size_t i = 0; i < n; ++i) d[i] = f16_to_f32(load16(s + 2 * i));
}

void bf16_portable(const unsigned char* s, float* d, size_t n) {
  for (size_t i = 0; i < n; ++i) d[i] = bf16_to_f32(load16(s + 2 * i));
}

#ifdef HART_X86
__attribute__((target("avx2,f16c"))) void f16_avx2(const unsigned char* s, float* d, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (size_t k = 0; k < 32; k += 8)
      _mm256_storeu_ps(d + i + k, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(s + 2 * (i + k)))));
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(s + 2 * i))));
  f16_portable(s + 2 * i, d + i, n - i);
}

// Rounds to nearest even as f32_to_f16 does (NaN stays NaN; F16C sets the quiet bit,
// as f32_to_f16 does).
__attribute__((target("avx2,f16c"))) void to_f16_avx2(const float* s, uint16_t* d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128((__m128i*)(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) d[i] = f32_to_f16(s[i]);
}

__attribute__((target("avx2"))) void bf16_avx2(const unsigned char* s, float* d, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)(s + 2 * i)));
    _mm256_storeu_si256((__m256i*)(d + i), _mm256_slli_epi32(w, 16));
  }
  bf16_portable(s + 2 * i, d + i, n - i);
}

// The all-lanes masked forms sidestep GCC 12's bogus -Wmaybe-uninitialized in the
// unmasked AVX-512 intrinsics; they compile to the same instructions.
constexpr __mmask16 kAll = 0xFFFF;

__attribute__((target("avx512f"))) void f16_avx512(const unsigned char* s, float* d, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (size_t k = 0; k < 64; k += 16)
      _mm512_storeu_ps(d + i + k, _mm512_maskz_cvtph_ps(kAll, _mm256_loadu_si256((const __m256i*)(s + 2 * (i + k)))));
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(d + i, _mm512_maskz_cvtph_ps(kAll, _mm256_loadu_si256((const __m256i*)(s + 2 * i))));
  f16_portable(s + 2 * i, d + i, n - i);
}

__attribute__((target("avx512f"))) void bf16_avx512(const unsigned char* s, float* d, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i w = _mm512_maskz_cvtepu16_epi32(kAll, _mm256_loadu_si256((const __m256i*)(s + 2 * i)));
    _mm512_storeu_si512(d + i, _mm512_maskz_slli_epi32(kAll, w, 16));
  }
  bf16_portable(s + 2 * i, d + i, n - i);
}
#endif

}  // namespace

bool path_supported(Path p) {
  const CpuFeatures& f = cpu_features();
  if (p == Path::Avx512) return f.avx512f;
  if (p == Path::Avx2) return f.avx2 && f.f16c;
  return p == Path::Scalar;
}

Path best_path() {
  static const Path p = widest_path(path_supported);
  return p;
}

void f16_to_f32_row(Path p, const void* src, float* dst, size_t n) {
  auto s = static_cast<const unsigned char*>(src);
#ifdef HART_X86
  if (p == Path::Avx512) return f16_avx512(s, dst, n);
  if (p == Path::Avx2) return f16_avx2(s, dst, n);
#endif
  f16_portable(s, dst, n);
}

void bf16_to_f32_row(Path p, const void* src, float* dst, size_t n) {
  auto s = static_cast<const unsigned char*>(src);
#ifdef HART_X86
  if (p == Path::Avx512) return bf16_avx512(s, dst, n);
  if (p == Path::Avx2) return bf16_avx2(s, dst, n);
#endif
  bf16_portable(s, dst, n);
}

void f32_to_f16_row(Path p, const float* src, uint16_t* dst, size_t n) {
#ifdef HART_X86
  if (p != Path::Scalar) return to_f16_avx2(src, dst, n);  // AVX-512 adds nothing the F16C form lacks here
#endif
  for (size_t i = 0; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

void f16_to_f32_row(const void* src, float* dst, size_t n) { f16_to_f32_row(best_path(), src, dst, n); }
void f32_to_f16_row(const float* src, uint16_t* dst, size_t n) { f32_to_f16_row(best_path(), src, dst, n); }
void bf16_to_f32_row(const void* src, float* dst, size_t n) { bf16_to_f32_row(best_path(), src, dst, n); }

}  // namespace half
}  // namespace hart
