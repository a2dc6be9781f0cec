// AVX-512 (F/BW/VL/DQ + VNNI) block kernels, chosen at run time (cpu_path.h).
// The 32-element types take two blocks per 512-bit VPDPBUSD; the 256-element ones
// multiply by their sub-block scales with VPDPWSSD (madd + add in one). Q8_0 and Q4_0
// are hand-tuned; the others decode through unpack_x86.h. Every output keeps
// its own accumulators, so a tile computes each output exactly as a 1 x 1 tile.
#include <cmath>
#include <cstring>

#include "formats/dtype.h"
#include "tensor/gemm_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/simd_x86.h"
#include "tensor/unpack_x86.h"

namespace hart::tensor::detail {
namespace {

using simd::half_at;
using simd::hsum;

template <class T>
HART_AVX512 inline __m256i ld256(const T* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
template <class T>
HART_AVX512 inline __m512i ld512(const T* p) { return _mm512_loadu_si512(p); }
HART_AVX512 inline __m512i join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

struct LoadF32 {
  HART_AVX512 static __m512 vec(const uint8_t* w, size_t i) { return _mm512_loadu_ps(w + 4 * i); }
  HART_AVX512 static float one(const uint8_t* w, size_t i) {
    float v;
    std::memcpy(&v, w + 4 * i, 4);
    return v;
  }
};
struct LoadF16 {
  HART_AVX512 static __m512 vec(const uint8_t* w, size_t i) { return _mm512_maskz_cvtph_ps(0xFFFF, ld256(w + 2 * i)); }
  HART_AVX512 static float one(const uint8_t* w, size_t i) { return half_at(w + 2 * i); }
};
struct LoadBF16 {
  HART_AVX512 static __m512 vec(const uint8_t* w, size_t i) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(ld256(w + 2 * i)), 16));
  }
  HART_AVX512 static float one(const uint8_t* w, size_t i) {
    uint16_t h;
    std::memcpy(&h, w + 2 * i, 2);
    return bf16_to_f32(h);
  }
};

// Float weights: one 16-lane accumulator per output, 16 elements a step. A 4 x 4
// tile loads 8 vectors for 16 FMAs, so the FMA units, not the loads, set the pace.
template <class L>
struct FloatK {
  static constexpr int R = 4, C = 4;
  template <int NR, int NC>
  HART_AVX512 static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t n = g.cols;
    const uint8_t* w[NR];
    const float* x[NC];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    HART_UNROLL for (int j = 0; j < NC; ++j) x[j] = g.a->f32 + (c + j) * n;
    __m512 acc[NR][NC];
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) acc[k][j] = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {  // the hot loop: where the time goes
      __m512 wv[NR];
      HART_UNROLL for (int k = 0; k < NR; ++k) wv[k] = L::vec(w[k], i);
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        const __m512 xv = _mm512_loadu_ps(x[j] + i);
        HART_UNROLL for (int k = 0; k < NR; ++k) acc[k][j] = _mm512_fmadd_ps(wv[k], xv, acc[k][j]);
      }
    }
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        float s = hsum(acc[k][j]);
        for (size_t t = i; t < n; ++t) s = std::fma(L::one(w[k], t), x[j][t], s);
        g.y[(c + j) * g.ldy + r + k] = s;
      }
  }
};

// 32-element types against Q8_0 activations, two blocks per 512-bit step. `Unpack`
// gives the weights of blocks b and b+1 (zeros for a missing b+1) as bytes for
// VPDPBUSD's unsigned operand, the activations to match and a per-lane correction;
// a min (kMin: w = d q + m) adds m * dx * sum(x) in a float beside the vector.
template <class Unpack>
struct Pair32K {
  static constexpr int R = 2, C = 4;
  template <int NR, int NC>
  HART_AVX512 static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 32;
    QuantRows<NC> x(g, c, 32, 32);
    const uint8_t* w[NR];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    __m512 acc[NR][NC];
    float macc[NR][NC];
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) acc[k][j] = _mm512_setzero_ps(), macc[k][j] = 0.0f;
    for (size_t b = 0; b < nb; b += 2) {  // the hot loop: where the time goes
      const bool two = b + 1 < nb;
      HART_UNROLL for (int k = 0; k < NR; ++k) {
        const uint8_t* blk = w[k] + Unpack::kBytes * b;
        const float d0 = half_at(blk), d1 = two ? half_at(blk + Unpack::kBytes) : 0.0f;
        const typename Unpack::Weights wq = Unpack::weights(blk, two);
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          const __m512i xv = two ? ld512(x.q[j] + 32 * b) : _mm512_zextsi256_si512(ld256(x.q[j] + 32 * b));
          const int s1 = two ? x.s[j][b + 1] : 0;
          const __m512i p = Unpack::dot(wq, xv, x.s[j][b], s1);
          const __m512 scale = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(d0 * x.d[j][b]),
                                                    _mm512_set1_ps(two ? d1 * x.d[j][b + 1] : 0.0f));
          acc[k][j] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(p), acc[k][j]);
          if constexpr (Unpack::kMin) {
            macc[k][j] = std::fma(half_at(blk + 2) * x.d[j][b], float(x.s[j][b]), macc[k][j]);
            if (two) macc[k][j] = std::fma(half_at(blk + Unpack::kBytes + 2) * x.d[j][b + 1], float(s1), macc[k][j]);
          }
        }
      }
    }
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) g.y[(c + j) * g.ldy + r + k] = hsum(acc[k][j]) + macc[k][j];
  }
};

// Q8_0: |w| as the unsigned operand, the sign moved onto x.
struct UnpackQ8_0 {
  static constexpr size_t kBytes = 34;
  static constexpr bool kMin = false;
  struct Weights { __m512i abs; __mmask64 neg; };
  HART_AVX512 static Weights weights(const uint8_t* blk, bool two) {
    const __m512i q = two ? join(ld256(blk + 2), ld256(blk + 36)) : _mm512_zextsi256_si512(ld256(blk + 2));
    return {_mm512_abs_epi8(q), _mm512_movepi8_mask(q)};
  }
  HART_AVX512 static __m512i dot(const Weights& w, __m512i x, int, int) {
    const __m512i sx = _mm512_mask_sub_epi8(x, w.neg, _mm512_setzero_si512(), x);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.abs, sx);
  }
};

// Q4_0: nibbles 0..15 unsigned; the -8 offset is -8 * sum(x) added to one lane per block.
struct UnpackQ4_0 {
  static constexpr size_t kBytes = 18;
  static constexpr bool kMin = false;
  using Weights = __m512i;
  HART_AVX512 static __m256i nibbles(const uint8_t* qs) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0xF));
  }
  HART_AVX512 static Weights weights(const uint8_t* blk, bool two) {
    return two ? join(nibbles(blk + 2), nibbles(blk + 20)) : _mm512_zextsi256_si512(nibbles(blk + 2));
  }
  HART_AVX512 static __m512i dot(const Weights& w, __m512i x, int s0, int s1) {
    const __m512i corr = _mm512_mask_set1_epi32(_mm512_maskz_set1_epi32(0x0001, -8 * s0), 0x0100, -8 * s1);
    return _mm512_dpbusd_epi32(corr, w, x);
  }
};

// The other 32-element types, decoded by unpack_x86.h: signed quants as |q| with
// the sign moved onto x, unsigned ones as they are; the q offset as -kOffset * sum(x).
template <class U>
struct UnpackGeneric {
  static constexpr size_t kBytes = U::kBytes;
  static constexpr bool kMin = U::kMin;
  struct Weights { __m512i q; __mmask64 neg; };
  HART_AVX512 static Weights weights(const uint8_t* blk, bool two) {
    const __m512i q = two ? join(U::quants(blk), U::quants(blk + kBytes)) : _mm512_zextsi256_si512(U::quants(blk));
    if constexpr (U::kSigned) return {_mm512_abs_epi8(q), _mm512_movepi8_mask(q)};
    return {q, 0};
  }
  HART_AVX512 static __m512i dot(const Weights& w, __m512i x, int s0, int s1) {
    if constexpr (U::kSigned) x = _mm512_mask_sub_epi8(x, w.neg, _mm512_setzero_si512(), x);
    __m512i corr = _mm512_setzero_si512();
    if constexpr (U::kOffset != 0)
      corr = _mm512_mask_set1_epi32(_mm512_maskz_set1_epi32(0x0001, -U::kOffset * s0), 0x0100, -U::kOffset * s1);
    return _mm512_dpbusd_epi32(corr, w.q, x);
  }
};

// The other 256-element types (unpack_x86.h): pairs of its 32-byte registers
// make 64 elements (sub-blocks 4i..4i+3, one per 128-bit lane) for maddubs +
// dpwssd with the scales spread by VPERMW; offsets and mins as in gemm_avx2.cpp.
template <class U>
struct Block256K {
  static constexpr int R = 1, C = 4;
  template <int NR, int NC>
  HART_AVX512 static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 256;
    QuantRows<NC> x(g, c, 256, 16);
    const uint8_t* w[NR];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    __m512 acc[NR][NC];
    __m256 macc[NR][NC];
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) acc[k][j] = _mm512_setzero_ps(), macc[k][j] = _mm256_setzero_ps();
    __m512i lane_group;  // 16-bit lane l of 64 elements belongs to sub-block l / 8
    {
      alignas(64) int16_t idx[32];
      for (int l = 0; l < 32; ++l) idx[l] = int16_t(l / 8);
      lane_group = ld512(idx);
    }
    for (size_t b = 0; b < nb; ++b) {  // the hot loop: where the time goes
      HART_UNROLL for (int k = 0; k < NR; ++k) {
        const uint8_t* blk = w[k] + U::kBytes * b;
        unpack::Scales s;
        U::scales(blk, s);
        const __m256i sc16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.sc));
        const __m512i scz = _mm512_castsi256_si512(sc16);
        __m512i sumi[NC];
        HART_UNROLL for (int j = 0; j < NC; ++j) sumi[j] = _mm512_setzero_si512();
        HART_UNROLL for (int i = 0; i < 4; ++i) {
          const __m512i q = join(U::chunk(blk, 2 * i), U::chunk(blk, 2 * i + 1));
          const __m512i uq = U::kSigned ? _mm512_abs_epi8(q) : q;
          const __mmask64 neg = U::kSigned ? _mm512_movepi8_mask(q) : 0;
          const __m512i scv = _mm512_permutexvar_epi16(_mm512_add_epi16(lane_group, _mm512_set1_epi16(int16_t(4 * i))), scz);
          HART_UNROLL for (int j = 0; j < NC; ++j) {
            __m512i xv = ld512(x.q[j] + 256 * b + 64 * i);
            if constexpr (U::kSigned) xv = _mm512_mask_sub_epi8(xv, neg, _mm512_setzero_si512(), xv);
            sumi[j] = _mm512_dpwssd_epi32(sumi[j], _mm512_maddubs_epi16(uq, xv), scv);
          }
        }
        const __m256i mn16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.mn));
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          const __m256i bs = ld256(x.s[j] + 16 * b);
          __m512i tot = sumi[j];
          if constexpr (U::kOffset != 0)
            tot = _mm512_sub_epi32(tot, _mm512_zextsi256_si512(_mm256_mullo_epi32(_mm256_madd_epi16(sc16, bs),
                                                                                 _mm256_set1_epi32(U::kOffset))));
          acc[k][j] = _mm512_fmadd_ps(_mm512_set1_ps(s.d * x.d[j][b]), _mm512_cvtepi32_ps(tot), acc[k][j]);
          if constexpr (U::kMin)
            macc[k][j] = _mm256_fmadd_ps(_mm256_set1_ps(s.dmin * x.d[j][b]), _mm256_cvtepi32_ps(_mm256_madd_epi16(mn16, bs)),
                                         macc[k][j]);
        }
      }
    }
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) g.y[(c + j) * g.ldy + r + k] = hsum(acc[k][j]) - hsum(macc[k][j]);
  }
};

}  // namespace

KernelTable avx512_kernels() {
  static constexpr KernelEntry k[] = {
      {DType::F32, drive<FloatK<LoadF32>>},
      {DType::F16, drive<FloatK<LoadF16>>},
      {DType::BF16, drive<FloatK<LoadBF16>>},
      {DType::Q8_0, drive<Pair32K<UnpackQ8_0>>},
      {DType::Q4_0, drive<Pair32K<UnpackQ4_0>>},
      {DType::Q4_1, drive<Pair32K<UnpackGeneric<unpack::Q4_1>>>},
      {DType::Q5_0, drive<Pair32K<UnpackGeneric<unpack::Q5_0>>>},
      {DType::Q5_1, drive<Pair32K<UnpackGeneric<unpack::Q5_1>>>},
      {DType::IQ4_NL, drive<Pair32K<UnpackGeneric<unpack::IQ4_NL>>>},
      {DType::Q2_K, drive<Block256K<unpack::Q2_K>>},
      {DType::Q3_K, drive<Block256K<unpack::Q3_K>>},
      {DType::Q4_K, drive<Block256K<unpack::Q4_K>>},
      {DType::Q5_K, drive<Block256K<unpack::Q5_K>>},
      {DType::Q6_K, drive<Block256K<unpack::Q6_K>>},
      {DType::IQ4_XS, drive<Block256K<unpack::IQ4_XS>>},
  };
  return table_of(k);
}

}  // namespace hart::tensor::detail

#else
namespace hart::tensor::detail {
KernelTable avx512_kernels() { return {}; }
}  // namespace hart::tensor::detail
#endif
