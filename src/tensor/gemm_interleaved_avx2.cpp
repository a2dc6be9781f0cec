// AVX2 + AVX-VNNI kernels for Q8_0 and Q4_0 weights in interleave.h's 16-row
// layout (the one the AVX-512 kernels read): each 64-byte chunk of 16 rows x 4
// bytes is two 256-bit halves, rows 0..7 and 8..15. Per 32-element block and
// activation row: 16 VEX VPDPBUSD (4 weight bytes of 8 rows times 4 activation
// bytes broadcast) give the 16 rows' integer dots in two registers with no
// horizontal sums; the weights' +128 (Q8_0) or +8 (Q4_0) offset comes off as
// offset * (sum of the block's activations). Without VNNI the Q8_0 layout's
// unsigned bytes would saturate VPMADDUBSW, so plain AVX2 has no such kernels.
#include <cstring>

#include "tensor/gemm_kernels.h"
#include "tensor/interleave.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/simd_x86.h"

namespace hart::tensor::detail {
namespace {

template <class T>
HART_AVX2_VNNI inline __m256i ld(const T* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Chunk k (elements 4k..4k+3 of each row) of one interleaved block: rows 0..7, 8..15.
struct ChunksQ8_0 {
  static constexpr size_t kBlockBytes = 16 * 34;
  static constexpr int kOffset = 128;
  HART_AVX2_VNNI static void chunk(const uint8_t* q, int k, __m256i& lo, __m256i& hi) {
    lo = ld(q + 64 * k), hi = ld(q + 64 * k + 32);
  }
};
struct ChunksQ4_0 {  // chunk g's bytes: low nibbles are elements 4g.., high 16+4g..
  static constexpr size_t kBlockBytes = 16 * 18;
  static constexpr int kOffset = 8;
  HART_AVX2_VNNI static void chunk(const uint8_t* q, int k, __m256i& lo, __m256i& hi) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const int g = k % 4, shift = k < 4 ? 0 : 4;
    lo = _mm256_and_si256(_mm256_srli_epi16(ld(q + 64 * g), shift), m4);
    hi = _mm256_and_si256(_mm256_srli_epi16(ld(q + 64 * g + 32), shift), m4);
  }
};

// Two activation rows a tile: 4 integer chains and 4 float accumulators stay in
// the 16 YMM registers with the two weight halves and a broadcast.
template <class U>
struct Interleaved {
  static constexpr int C = 2;
  template <int NC>
  HART_AVX2_VNNI static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 32;
    const uint8_t* group = g.w + r * g.row_bytes;
    QuantRows<NC> x(g, c, 32, 32);
    __m256 acc_lo[NC], acc_hi[NC];
    HART_UNROLL for (int j = 0; j < NC; ++j) acc_lo[j] = acc_hi[j] = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {  // the hot loop: where the time goes
      const uint8_t* blk = group + b * U::kBlockBytes;
      const __m256 d_lo = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk)));
      const __m256 d_hi = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 16)));
      __m256i s_lo[NC], s_hi[NC];
      int32_t xg[NC][8];
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        s_lo[j] = s_hi[j] = _mm256_set1_epi32(-U::kOffset * x.s[j][b]);
        std::memcpy(xg[j], x.q[j] + 32 * b, 32);
      }
      HART_UNROLL for (int k = 0; k < 8; ++k) {
        __m256i lo, hi;
        U::chunk(blk + 32, k, lo, hi);
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          const __m256i xb = _mm256_set1_epi32(xg[j][k]);
          s_lo[j] = _mm256_dpbusd_avx_epi32(s_lo[j], lo, xb);
          s_hi[j] = _mm256_dpbusd_avx_epi32(s_hi[j], hi, xb);
        }
      }
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        const __m256 dx = _mm256_set1_ps(x.d[j][b]);
        acc_lo[j] = _mm256_fmadd_ps(_mm256_mul_ps(d_lo, dx), _mm256_cvtepi32_ps(s_lo[j]), acc_lo[j]);
        acc_hi[j] = _mm256_fmadd_ps(_mm256_mul_ps(d_hi, dx), _mm256_cvtepi32_ps(s_hi[j]), acc_hi[j]);
      }
    }
    HART_UNROLL for (int j = 0; j < NC; ++j) {
      _mm256_storeu_ps(g.y + (c + j) * g.ldy + r, acc_lo[j]);
      _mm256_storeu_ps(g.y + (c + j) * g.ldy + r + 8, acc_hi[j]);
    }
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

KernelTable avx2_vnni_interleaved_kernels() {
  static constexpr KernelEntry k[] = {
      {DType::Q8_0, drive16<Interleaved<ChunksQ8_0>>},
      {DType::Q4_0, drive16<Interleaved<ChunksQ4_0>>},
  };
  return table_of(k);
}

}  // namespace hart::tensor::detail

#else
namespace hart::tensor::detail {
KernelTable avx2_vnni_interleaved_kernels() { return {}; }
}  // namespace hart::tensor::detail
#endif
