// Internal: the kernels for interleave.h's 16-row Q8_0/Q4_0 layout on 256 bits,
// compiled twice by gemm_interleaved_avx2.cpp: with AVX-VNNI and without. Each
// 64-byte chunk of 16 rows x 4 bytes is two halves, rows 0..7 and 8..15; per
// 32-element block and activation row, 16 integer dots of 4 weight bytes of 8 rows
// by 4 activation bytes broadcast give the 16 rows' dots in two registers with no
// horizontal sums. Before including, define HART_K (the target attribute) and
// `IntDot` in this namespace: u8s8(acc, u, s) as in gemm_avx2_kernels.h, and
// q8(acc, w, x) for the layout's Q8_0 bytes (q + 128) with kQ8Offset, the offset
// left to subtract as kQ8Offset * sum(x): VPDPBUSD takes them as they are (128);
// VPMADDUBSW would saturate on them, so without VNNI they go back to signed and
// the sign moves onto x (0).
template <class T>
HART_K inline __m256i ld(const T* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Chunk k (elements 4k..4k+3 of each row) of one interleaved block: rows 0..7, 8..15.
struct ChunksQ8_0 {
  static constexpr size_t kBlockBytes = 16 * 34;
  static constexpr int kOffset = IntDot::kQ8Offset;
  HART_K static void chunk(const uint8_t* q, int k, __m256i& lo, __m256i& hi) {
    lo = ld(q + 64 * k), hi = ld(q + 64 * k + 32);
  }
  HART_K static __m256i dot(__m256i s, __m256i w, __m256i x) { return IntDot::q8(s, w, x); }
};
struct ChunksQ4_0 {  // chunk g's bytes: low nibbles are elements 4g.., high 16+4g..
  static constexpr size_t kBlockBytes = 16 * 18;
  static constexpr int kOffset = 8;
  HART_K static void chunk(const uint8_t* q, int k, __m256i& lo, __m256i& hi) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const int g = k % 4, shift = k < 4 ? 0 : 4;
    lo = _mm256_and_si256(_mm256_srli_epi16(ld(q + 64 * g), shift), m4);
    hi = _mm256_and_si256(_mm256_srli_epi16(ld(q + 64 * g + 32), shift), m4);
  }
  HART_K static __m256i dot(__m256i s, __m256i w, __m256i x) { return IntDot::u8s8(s, w, x); }
};

// Two activation rows a tile: 4 integer chains and 4 float accumulators stay in
// the 16 YMM registers with the two weight halves and a broadcast.
template <class U>
struct Interleaved {
  static constexpr int C = 2;
  template <int NC>
  HART_K static void tile(const GemmArgs& g, size_t r, size_t c) {
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
          s_lo[j] = U::dot(s_lo[j], lo, xb);
          s_hi[j] = U::dot(s_hi[j], hi, xb);
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

