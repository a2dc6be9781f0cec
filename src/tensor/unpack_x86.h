// Internal: blocks of the types without a hand-tuned kernel, decoded into 256-bit
// registers of 32 one-byte quants in activation order, for the generic kernels of
// gemm_avx2_kernels.h and gemm_avx512.cpp (AVX2 code; the AVX-512 kernels join pairs).
//
// Each decoder says how its quants relate to the weights:
//   kSigned: the bytes are signed values (multiplied with the sign trick);
//            otherwise unsigned 0..63 (maddubs operands as they are)
//   kOffset: w is proportional to q - kOffset (subtracted as kOffset * sum(x))
//   kMin:    the block has a min (32-element types: w = d q + m, m the f16 at byte
//            2; K-types: w = d sc q - dmin mn, per 16-element sub-block)
// Include only from x86 code, after simd_x86.h.
#pragma once
#include <cstring>

#include "formats/quant_blocks.h"
#include "tensor/gemm_kernels.h"
#include "tensor/simd_x86.h"

namespace hart::tensor::detail::unpack {

template <class T>
HART_AVX2 inline __m256i ld(const T* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// 16 packed bytes -> 32 nibbles: low nibbles are elements 0..15, high 16..31.
HART_AVX2 inline __m256i nibbles(const uint8_t* qs) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0xF));
}

// Bit j of the 32-bit little-endian word at p as 0x10 in byte j.
HART_AVX2 inline __m256i fifth_bits(const uint8_t* p) {
  uint32_t bits;
  std::memcpy(&bits, p, 4);
  const __m256i spread = _mm256_shuffle_epi8(  // byte j <- byte j / 8 of the word
      _mm256_set1_epi32(static_cast<int>(bits)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
  const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

// IQ4 indices -> their signed values (kIq4nlValues) by one byte shuffle.
HART_AVX2 inline __m256i iq4_values(__m256i idx) {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(quant::kIq4nlValues));
  return _mm256_shuffle_epi8(_mm256_set_m128i(t, t), idx);
}

// ---- 32-element blocks (Q8_0 activations); the scale d is the f16 at byte 0.
struct Q4_1 {
  static constexpr size_t kBytes = 20;
  static constexpr bool kSigned = false, kMin = true;
  static constexpr int kOffset = 0;
  HART_AVX2 static __m256i quants(const uint8_t* b) { return nibbles(b + 4); }
};
struct Q5_0 {
  static constexpr size_t kBytes = 22;
  static constexpr bool kSigned = false, kMin = false;
  static constexpr int kOffset = 16;
  HART_AVX2 static __m256i quants(const uint8_t* b) { return _mm256_or_si256(nibbles(b + 6), fifth_bits(b + 2)); }
};
struct Q5_1 {
  static constexpr size_t kBytes = 24;
  static constexpr bool kSigned = false, kMin = true;
  static constexpr int kOffset = 0;
  HART_AVX2 static __m256i quants(const uint8_t* b) { return _mm256_or_si256(nibbles(b + 8), fifth_bits(b + 4)); }
};
struct IQ4_NL {
  static constexpr size_t kBytes = 18;
  static constexpr bool kSigned = true, kMin = false;
  static constexpr int kOffset = 0;
  HART_AVX2 static __m256i quants(const uint8_t* b) { return iq4_values(nibbles(b + 2)); }
};

// ---- 256-element super-blocks (Q8_K activations). scales() fills the 16 sub-block
// scales / mins as int16 and d / dmin; chunk(b, i) gives elements 32i..32i+31 (i a
// constant once unrolled, so its shifts are immediates).
struct Scales {
  alignas(32) int16_t sc[16], mn[16];
  float d, dmin;
};

// Q2_K / Q3_K: elements 32i.. are 2-bit plane i % 4 of bytes 32 (i / 4)..+31.
HART_AVX2 inline __m256i plane(const uint8_t* qs, int i) {
  return _mm256_and_si256(_mm256_srli_epi16(ld(qs + 32 * (i / 4)), 2 * (i % 4)), _mm256_set1_epi8(3));
}
// Bit i (< 8) of every byte of v, moved to bit `to` and nothing else kept.
HART_AVX2 inline __m256i bit_to(__m256i v, int i, int to) {
  const __m256i moved = i <= to ? _mm256_slli_epi16(v, to - i) : _mm256_srli_epi16(v, i - to);
  return _mm256_and_si256(moved, _mm256_set1_epi8(static_cast<char>(1 << to)));
}

struct Q2_K {
  static constexpr size_t kBytes = 84;
  static constexpr bool kSigned = false, kMin = true;
  static constexpr int kOffset = 0;
  HART_AVX2 static void scales(const uint8_t* b, Scales& s) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m256i all = _mm256_cvtepu8_epi16(raw);
    _mm256_store_si256(reinterpret_cast<__m256i*>(s.sc), _mm256_and_si256(all, _mm256_set1_epi16(0xF)));
    _mm256_store_si256(reinterpret_cast<__m256i*>(s.mn), _mm256_srli_epi16(all, 4));
    s.d = simd::half_at(b + 80), s.dmin = simd::half_at(b + 82);
  }
  HART_AVX2 static __m256i chunk(const uint8_t* b, int i) { return plane(b + 16, i); }
};

// Q3_K: q = 2 low bits + 4 * (hmask bit i), 0..7, offset 4; 6-bit scales minus 32.
struct Q3_K {
  static constexpr size_t kBytes = 110;
  static constexpr bool kSigned = false, kMin = false;
  static constexpr int kOffset = 4;
  HART_AVX2 static void scales(const uint8_t* b, Scales& s) {
    const uint8_t* sb = b + 96;
    for (int g = 0; g < 16; ++g) {
      const int lo = g < 8 ? sb[g] & 0xF : sb[g - 8] >> 4, hi = (sb[8 + g % 4] >> (2 * (g / 4))) & 3;
      s.sc[g] = int16_t((lo | hi << 4) - 32);
    }
    s.d = simd::half_at(b + 108), s.dmin = 0.0f;
  }
  HART_AVX2 static __m256i chunk(const uint8_t* b, int i) {
    return _mm256_or_si256(plane(b + 32, i), bit_to(ld(b), i, 2));
  }
};

// Q4_K: 8 sub-blocks of 32 with 6-bit scales and mins; 64 elements per 32 bytes
// (sub-block 2h in the low nibbles of bytes 32h.., 2h + 1 in the high ones).
struct Q4_K {
  static constexpr size_t kBytes = 144;
  static constexpr bool kSigned = false, kMin = true;
  static constexpr int kOffset = 0;
  HART_AVX2 static void scales(const uint8_t* b, Scales& s) {
    uint32_t u[4];
    q4k_scales(b + 4, u);
    // bytes 0..7 scales, 8..15 mins; each covers two 16-element sub-blocks
    const __m128i sm = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u));
    const __m128i twice = _mm_unpacklo_epi8(sm, sm), twice_hi = _mm_unpackhi_epi8(sm, sm);
    _mm256_store_si256(reinterpret_cast<__m256i*>(s.sc), _mm256_cvtepu8_epi16(twice));
    _mm256_store_si256(reinterpret_cast<__m256i*>(s.mn), _mm256_cvtepu8_epi16(twice_hi));
    s.d = simd::half_at(b), s.dmin = simd::half_at(b + 2);
  }
  HART_AVX2 static __m256i chunk(const uint8_t* b, int i) {
    const __m256i qv = ld(b + 16 + 32 * (i / 2));
    return _mm256_and_si256(i % 2 ? _mm256_srli_epi16(qv, 4) : qv, _mm256_set1_epi8(0xF));
  }
};

// Q5_K: Q4_K's nibbles (64 elements per 32 bytes) plus fifth bits: bit i of qh[l]
// belongs to element 32i + l.
struct Q5_K {
  static constexpr size_t kBytes = 176;
  static constexpr bool kSigned = false, kMin = true;
  static constexpr int kOffset = 0;
  HART_AVX2 static void scales(const uint8_t* b, Scales& s) { Q4_K::scales(b, s); }  // the same header
  HART_AVX2 static __m256i chunk(const uint8_t* b, int i) {
    const __m256i qv = ld(b + 48 + 32 * (i / 2));
    const __m256i nib = _mm256_and_si256(i % 2 ? _mm256_srli_epi16(qv, 4) : qv, _mm256_set1_epi8(0xF));
    return _mm256_or_si256(nib, bit_to(ld(b + 16), i, 4));
  }
};

// Q6_K: q = 4 low bits (ql) + 2 high bits (qh), 0..63, offset 32; 16 int8 scales.
// Chunk i (elements 32i..) of half h = i / 4: ql bytes 64h + 32 (i % 2).., low
// nibbles for i % 4 < 2, high ones after; its high bits are 2-bit plane i % 4 of
// qh bytes 128 + 32h...
struct Q6_K {
  static constexpr size_t kBytes = 210;
  static constexpr bool kSigned = false, kMin = false;
  static constexpr int kOffset = 32;
  HART_AVX2 static void scales(const uint8_t* b, Scales& s) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 192));
    _mm256_store_si256(reinterpret_cast<__m256i*>(s.sc), _mm256_cvtepi8_epi16(raw));
    s.d = simd::half_at(b + 208), s.dmin = 0.0f;
  }
  HART_AVX2 static __m256i chunk(const uint8_t* b, int i) {
    const int h = i / 4, j = i % 4;
    const __m256i ql = ld(b + 64 * h + 32 * (j % 2));
    const __m256i lo = _mm256_and_si256(j < 2 ? ql : _mm256_srli_epi16(ql, 4), _mm256_set1_epi8(0xF));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(ld(b + 128 + 32 * h), 2 * j), _mm256_set1_epi8(3));
    return _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
  }
};

struct IQ4_XS {
  static constexpr size_t kBytes = 136;
  static constexpr bool kSigned = true, kMin = false;
  static constexpr int kOffset = 0;
  HART_AVX2 static void scales(const uint8_t* b, Scales& s) {
    quant::BlockIQ4_XS blk;
    std::memcpy(&blk, b, 8);
    for (int i = 0; i < 8; ++i) s.sc[2 * i] = s.sc[2 * i + 1] = int16_t(quant::iq4xs_scale(blk, i));
    s.d = simd::half_at(b), s.dmin = 0.0f;
  }
  HART_AVX2 static __m256i chunk(const uint8_t* b, int i) { return iq4_values(nibbles(b + 8 + 16 * i)); }
};

}  // namespace hart::tensor::detail::unpack
