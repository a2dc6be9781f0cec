// Internal: the 256-bit block kernels, compiled twice: gemm_avx2.cpp (AVX2 + FMA +
// F16C) and gemm_avx2_vnni.cpp (the same plus AVX-VNNI). Before including, a file
// defines HART_K (the target attribute of every function here) and, in
// hart::tensor::detail's anonymous namespace, `IntDot` with the two integer dots:
//   u8s8(acc, u, s): acc + the sums of 4 products of unsigned u and signed s bytes
//   s16(acc, a, b):  acc + the sums of 2 products of int16 a and b
// (VPMADDUBSW + VPMADDWD + VPADDD, or one VPDPBUSD / VPDPWSSD). The kernels never
// saturate VPMADDUBSW, so both give the same integers and the same results.
//
// Integer dots as llama.cpp does them, converted to float once per block and
// scaled with FMA. Every output keeps its own accumulators, so a tile of R x C
// outputs computes each exactly as a 1 x 1 tile.
#include "tensor/unpack_x86.h"

namespace hart::tensor::detail {
namespace {


using simd::half_at;
using simd::hsum;

struct LoadF32 {
  HART_K static __m256 vec(const uint8_t* w, size_t i) { return _mm256_loadu_ps(reinterpret_cast<const float*>(w + 4 * i)); }
  HART_K static float one(const uint8_t* w, size_t i) {
    float v;
    std::memcpy(&v, w + 4 * i, 4);
    return v;
  }
};
struct LoadF16 {
  HART_K static __m256 vec(const uint8_t* w, size_t i) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
  }
  HART_K static float one(const uint8_t* w, size_t i) { return half_at(w + 2 * i); }
};
struct LoadBF16 {
  HART_K static __m256 vec(const uint8_t* w, size_t i) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 2 * i)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  }
  HART_K static float one(const uint8_t* w, size_t i) {
    uint16_t h;
    std::memcpy(&h, w + 2 * i, 2);
    return bf16_to_f32(h);
  }
};

// Float weights: two 8-lane accumulators per output, 16 elements a step.
template <class L>
struct FloatK {
  static constexpr int R = 2, C = 2;
  template <int NR, int NC>
  HART_K static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t n = g.cols;
    const uint8_t* w[NR];
    const float* x[NC];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    HART_UNROLL for (int j = 0; j < NC; ++j) x[j] = g.a->f32 + (c + j) * n;
    __m256 a0[NR][NC], a1[NR][NC];
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) a0[k][j] = a1[k][j] = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {  // the hot loop: where the time goes
      __m256 w0[NR], w1[NR];
      HART_UNROLL for (int k = 0; k < NR; ++k) w0[k] = L::vec(w[k], i), w1[k] = L::vec(w[k], i + 8);
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        const __m256 x0 = _mm256_loadu_ps(x[j] + i), x1 = _mm256_loadu_ps(x[j] + i + 8);
        HART_UNROLL for (int k = 0; k < NR; ++k) {
          a0[k][j] = _mm256_fmadd_ps(w0[k], x0, a0[k][j]);
          a1[k][j] = _mm256_fmadd_ps(w1[k], x1, a1[k][j]);
        }
      }
    }
    const bool eight = i + 8 <= n;
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        if (eight) a0[k][j] = _mm256_fmadd_ps(L::vec(w[k], i), _mm256_loadu_ps(x[j] + i), a0[k][j]);
        float s = hsum(_mm256_add_ps(a0[k][j], a1[k][j]));
        for (size_t t = i + (eight ? 8 : 0); t < n; ++t) s = std::fma(L::one(w[k], t), x[j][t], s);
        g.y[(c + j) * g.ldy + r + k] = s;
      }
  }
};

template <int NR, int NC, class V>
HART_K void store(const GemmArgs& g, size_t r, size_t c, V acc[NR][NC]) {
  HART_UNROLL for (int k = 0; k < NR; ++k)
    HART_UNROLL for (int j = 0; j < NC; ++j) g.y[(c + j) * g.ldy + r + k] = hsum(acc[k][j]);
}

// Q8_0 x Q8_0: the sign trick makes the weight unsigned for maddubs.
struct Q8_0K {
  static constexpr int R = 2, C = 4;
  template <int NR, int NC>
  HART_K static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 32;
    QuantRows<NC> x(g, c, 32, 32);
    const uint8_t* w[NR];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    __m256 acc[NR][NC];
    HART_UNROLL for (auto& row : acc)
      HART_UNROLL for (auto& v : row) v = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {  // the hot loop: where the time goes
      HART_UNROLL for (int k = 0; k < NR; ++k) {
        const uint8_t* blk = w[k] + 34 * b;
        const float dw = half_at(blk);
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
        const __m256i aq = _mm256_sign_epi8(q, q);
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q[j] + 32 * b));
          const __m256i p = IntDot::u8s8(_mm256_setzero_si256(), aq, _mm256_sign_epi8(xv, q));
          acc[k][j] = _mm256_fmadd_ps(_mm256_set1_ps(dw * x.d[j][b]), _mm256_cvtepi32_ps(p), acc[k][j]);
        }
      }
    }
    store<NR, NC>(g, r, c, acc);
  }
};

// Q4_0 x Q8_0: nibbles are unsigned 0..15; the -8 offset is -8 * sum(x) per block.
struct Q4_0K {
  static constexpr int R = 2, C = 4;
  template <int NR, int NC>
  HART_K static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 32;
    QuantRows<NC> x(g, c, 32, 32);
    const uint8_t* w[NR];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    __m256 acc[NR][NC];
    HART_UNROLL for (auto& row : acc)
      HART_UNROLL for (auto& v : row) v = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (size_t b = 0; b < nb; ++b) {  // the hot loop: where the time goes
      HART_UNROLL for (int k = 0; k < NR; ++k) {
        const uint8_t* blk = w[k] + 18 * b;
        const float dw = half_at(blk);
        const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2));
        const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), m4);
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q[j] + 32 * b));
          const __m256i p = IntDot::u8s8(_mm256_zextsi128_si256(_mm_cvtsi32_si128(-8 * x.s[j][b])), q, xv);
          acc[k][j] = _mm256_fmadd_ps(_mm256_set1_ps(dw * x.d[j][b]), _mm256_cvtepi32_ps(p), acc[k][j]);
        }
      }
    }
    store<NR, NC>(g, r, c, acc);
  }
};

// The other 32-element types (unpack_x86.h decodes a block into 32 bytes):
// maddubs + madd per block, the q offset as -kOffset * sum(x), the min as
// m * dx * sum(x) in a float beside the vector accumulator.
template <class U>
struct Block32K {
  static constexpr int R = 2, C = 4;
  template <int NR, int NC>
  HART_K static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 32;
    QuantRows<NC> x(g, c, 32, 32);
    const uint8_t* w[NR];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    __m256 acc[NR][NC];
    float macc[NR][NC];
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) acc[k][j] = _mm256_setzero_ps(), macc[k][j] = 0.0f;
    for (size_t b = 0; b < nb; ++b) {  // the hot loop: where the time goes
      HART_UNROLL for (int k = 0; k < NR; ++k) {
        const uint8_t* blk = w[k] + U::kBytes * b;
        const float dw = half_at(blk);
        const __m256i q = U::quants(blk);
        const __m256i uq = U::kSigned ? _mm256_sign_epi8(q, q) : q;
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q[j] + 32 * b));
          if constexpr (U::kSigned) xv = _mm256_sign_epi8(xv, q);
          __m256i p = _mm256_setzero_si256();
          if constexpr (U::kOffset != 0) p = _mm256_zextsi128_si256(_mm_cvtsi32_si128(-U::kOffset * x.s[j][b]));
          p = IntDot::u8s8(p, uq, xv);
          acc[k][j] = _mm256_fmadd_ps(_mm256_set1_ps(dw * x.d[j][b]), _mm256_cvtepi32_ps(p), acc[k][j]);
          if constexpr (U::kMin) macc[k][j] = std::fma(half_at(blk + 2) * x.d[j][b], float(x.s[j][b]), macc[k][j]);
        }
      }
    }
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) g.y[(c + j) * g.ldy + r + k] = hsum(acc[k][j]) + macc[k][j];
  }
};

// The other 256-element types (unpack_x86.h decodes a super-block's 16 sub-block
// scales, then 32 quants at a time): sum_g sc_g * (dot_g(q, x) - kOffset * bsum_g)
// times d, minus dmin * sum_g mn_g * bsum_g.
template <class U>
struct Block256K {
  static constexpr int R = 1, C = 4;
  template <int NR, int NC>
  HART_K static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 256;
    QuantRows<NC> x(g, c, 256, 16);
    const uint8_t* w[NR];
    HART_UNROLL for (int k = 0; k < NR; ++k) w[k] = g.w + (r + k) * g.row_bytes;
    __m256 acc[NR][NC], macc[NR][NC];
    HART_UNROLL for (int k = 0; k < NR; ++k)
      HART_UNROLL for (int j = 0; j < NC; ++j) acc[k][j] = macc[k][j] = _mm256_setzero_ps();
    const __m256i spread = _mm256_set_epi8(3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2,  //
                                           1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0);
    for (size_t b = 0; b < nb; ++b) {  // the hot loop: where the time goes
      HART_UNROLL for (int k = 0; k < NR; ++k) {
        const uint8_t* blk = w[k] + U::kBytes * b;
        unpack::Scales s;
        U::scales(blk, s);
        const __m256i sc16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.sc));
        __m256i sumi[NC];
        HART_UNROLL for (int j = 0; j < NC; ++j) sumi[j] = _mm256_setzero_si256();
        HART_UNROLL for (int i = 0; i < 8; ++i) {  // sub-blocks 2i (low lane) and 2i+1
          // scales 2i and 2i+1 (dword i of sc16) to every dword, then 2i across the low
          // lane and 2i+1 across the high one: two shuffles, not two scalar broadcasts
          const __m256i scv = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(sc16, _mm256_set1_epi32(i)), spread);
          const __m256i q = U::chunk(blk, i);
          const __m256i uq = U::kSigned ? _mm256_sign_epi8(q, q) : q;
          HART_UNROLL for (int j = 0; j < NC; ++j) {
            __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q[j] + 256 * b + 32 * i));
            if constexpr (U::kSigned) xv = _mm256_sign_epi8(xv, q);
            sumi[j] = IntDot::s16(sumi[j], _mm256_maddubs_epi16(uq, xv), scv);
          }
        }
        const __m256i mn16 = _mm256_load_si256(reinterpret_cast<const __m256i*>(s.mn));
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.s[j] + 16 * b));
          __m256i tot = sumi[j];
          if constexpr (U::kOffset != 0)
            tot = _mm256_sub_epi32(tot, _mm256_mullo_epi32(_mm256_madd_epi16(sc16, bs), _mm256_set1_epi32(U::kOffset)));
          acc[k][j] = _mm256_fmadd_ps(_mm256_set1_ps(s.d * x.d[j][b]), _mm256_cvtepi32_ps(tot), acc[k][j]);
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


KernelTable kernel_table() {
  static constexpr KernelEntry k[] = {
      {DType::F32, drive<FloatK<LoadF32>>},
      {DType::F16, drive<FloatK<LoadF16>>},
      {DType::BF16, drive<FloatK<LoadBF16>>},
      {DType::Q8_0, drive<Q8_0K>},
      {DType::Q4_0, drive<Q4_0K>},
      {DType::Q4_1, drive<Block32K<unpack::Q4_1>>},
      {DType::Q5_0, drive<Block32K<unpack::Q5_0>>},
      {DType::Q5_1, drive<Block32K<unpack::Q5_1>>},
      {DType::IQ4_NL, drive<Block32K<unpack::IQ4_NL>>},
      {DType::Q2_K, drive<Block256K<unpack::Q2_K>>},
      {DType::Q3_K, drive<Block256K<unpack::Q3_K>>},
      {DType::Q4_K, drive<Block256K<unpack::Q4_K>>},
      {DType::Q5_K, drive<Block256K<unpack::Q5_K>>},
      {DType::Q6_K, drive<Block256K<unpack::Q6_K>>},
      {DType::IQ4_XS, drive<Block256K<unpack::IQ4_XS>>},
  };
  return table_of(k);
}

}  // namespace
}  // namespace hart::tensor::detail
