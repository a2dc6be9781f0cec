// AVX-512 VNNI kernels for Q8_0, Q4_0 (and Q4_K, on 256 bits) weights in interleave.h's 16-row layout.
// Per 32-element block and activation row: 8 VPDPBUSD, each multiplying 4 unsigned
// weight bytes of 16 rows by 4 activation bytes broadcast, give the 16 rows' integer
// dots in the 16 lanes; the weights' +128 (Q8_0) or +8 (Q4_0) offset comes off as
// offset * (sum of the block's activations), then one FMA with the 16 row scales.
#include <cstring>

#include "tensor/gemm_kernels.h"
#include "tensor/interleave.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/simd_x86.h"

namespace hart::tensor::detail {
namespace {

// Unpacks one interleaved block's 8 chunks of 16 rows x 4 unsigned bytes.
struct ChunksQ8_0 {
  static constexpr size_t kBlockBytes = 16 * 34;
  static constexpr int kOffset = 128;
  HART_AVX512 static void load(const uint8_t* q, __m512i w[8]) {
    HART_UNROLL for (int g = 0; g < 8; ++g) w[g] = _mm512_loadu_si512(q + 64 * g);
  }
};
struct ChunksQ4_0 {
  static constexpr size_t kBlockBytes = 16 * 18;
  static constexpr int kOffset = 8;
  HART_AVX512 static void load(const uint8_t* q, __m512i w[8]) {
    const __m512i m4 = _mm512_set1_epi8(0xF);
    HART_UNROLL for (int g = 0; g < 4; ++g) {
      const __m512i raw = _mm512_loadu_si512(q + 64 * g);
      w[g] = _mm512_and_si512(raw, m4);                             // elements 4g..4g+3
      w[g + 4] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);  // elements 16+4g..
    }
  }
};

template <class U>
struct Interleaved {
  static constexpr int C = 4;
  template <int NC>
  HART_AVX512 static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 32;
    const uint8_t* group = g.w + r * g.row_bytes;
    QuantRows<NC> x(g, c, 32, 32);
    __m512 acc[NC];
    HART_UNROLL for (int j = 0; j < NC; ++j) acc[j] = _mm512_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {  // the hot loop: where the time goes
      const uint8_t* blk = group + b * U::kBlockBytes;
      const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk)));
      __m512i w[8];
      U::load(blk + 32, w);
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        int32_t xg[8];
        std::memcpy(xg, x.q[j] + 32 * b, 32);
        // Two chains of four, so the dot products do not wait on each other.
        __m512i s0 = _mm512_set1_epi32(-U::kOffset * x.s[j][b]), s1 = _mm512_setzero_si512();
        HART_UNROLL for (int k = 0; k < 8; k += 2) {
          s0 = _mm512_dpbusd_epi32(s0, w[k], _mm512_set1_epi32(xg[k]));
          s1 = _mm512_dpbusd_epi32(s1, w[k + 1], _mm512_set1_epi32(xg[k + 1]));
        }
        const __m512 dots = _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1));
        acc[j] = _mm512_fmadd_ps(_mm512_mul_ps(d, _mm512_set1_ps(x.d[j][b])), dots, acc[j]);
      }
    }
    HART_UNROLL for (int j = 0; j < NC; ++j) _mm512_storeu_ps(g.y + (c + j) * g.ldy + r, acc[j]);
  }
};

template <class K>
void drive16(const GemmArgs& g, size_t r0, size_t r1, size_t c0, size_t c1) {
  for (size_t r = r0; r < r1; r += kInterleaveRows) {
    size_t c = c0;
    for (; c + K::C <= c1; c += K::C) K::template tile<K::C>(g, r, c);
    for (; c < c1; ++c) K::template tile<1>(g, r, c);
  }
}

}  // namespace

// Q4_K: the 256-bit kernel of gemm_interleaved_avx2_kernels.h with AVX-512's EVEX
// VNNI (which every CPU on this path has; VEX AVX-VNNI it may lack).
namespace evex {
#define HART_K HART_AVX512
struct IntDot {
  static constexpr int kQ8Offset = 128;
  HART_K static __m256i u8s8(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(acc, u, s); }
  HART_K static __m256i q8(__m256i acc, __m256i w, __m256i x) { return _mm256_dpbusd_epi32(acc, w, x); }
  HART_K static __m256i s16(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }
};
#include "tensor/gemm_interleaved_avx2_kernels.h"
#undef HART_K
}  // namespace evex

KernelTable avx512_interleaved_kernels() {
  static constexpr KernelEntry k[] = {
      {DType::Q8_0, drive16<Interleaved<ChunksQ8_0>>},
      {DType::Q4_0, drive16<Interleaved<ChunksQ4_0>>},
      {DType::Q4_K, evex::drive16<evex::InterleavedQ4_K>},
  };
  return table_of(k);
}

}  // namespace hart::tensor::detail

#else
namespace hart::tensor::detail {
KernelTable avx512_interleaved_kernels() { return {}; }
}  // namespace hart::tensor::detail
#endif
