// Internal: the kernels for interleave.h's 16-row Q8_0/Q4_0 layout on 256 bits,
// compiled twice by gemm_interleaved_avx2.cpp: with AVX-VNNI and without. Each
// 64-byte chunk of 16 rows x 4 bytes is two halves, rows 0..7 and 8..15; per
// 32-element block and activation row, 16 integer dots of 4 weight bytes of 8 rows
// by 4 activation bytes broadcast give the 16 rows' dots in two registers with no
// horizontal sums. Before including, define HART_K (the target attribute) and
// `IntDot` in this namespace: u8s8(acc, u, s) and s16(acc, a, b) as in
// gemm_avx2_kernels.h, and
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

// Q4_K (interleave.h's layout), two activation rows a tile. Per sub-block pair h and
// chunk of 4 elements: the nibbles of 16 rows by 4 broadcast activation bytes, summed
// in 16-bit lanes over the sub-block's 8 chunks (at most 8 x 2 x 15 x 128 = 30720:
// no overflow), then times each row's 6-bit scale in one madd (IntDot::s16). The
// mins come off as dmin * sum_s min_s * (sum of sub-block s's activations).
struct InterleavedQ4_K {
  static constexpr int C = 2;
  static constexpr size_t kBlockBytes = 16 * 144;
  template <int NC>
  HART_K static void tile(const GemmArgs& g, size_t r, size_t c) {
    const size_t nb = g.cols / 256;
    const uint8_t* group = g.w + r * g.row_bytes;
    QuantRows<NC> x(g, c, 256, 16);
    const __m256i m4 = _mm256_set1_epi8(0xF);
    __m256 acc_lo[NC], acc_hi[NC];
    HART_UNROLL for (int j = 0; j < NC; ++j) acc_lo[j] = acc_hi[j] = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
      const uint8_t* blk = group + b * kBlockBytes;
      __m256i sum_lo[NC], sum_hi[NC], min_lo[NC], min_hi[NC];
      HART_UNROLL for (int j = 0; j < NC; ++j) sum_lo[j] = sum_hi[j] = min_lo[j] = min_hi[j] = _mm256_setzero_si256();
      for (int h = 0; h < 4; ++h) {  // the hot loop: where the time goes
        const uint8_t* q = blk + 256 + 512 * h;
        __m256i p[NC][4];  // 16-bit sums: sub-block 2h rows 0..7, 8..15; 2h + 1 rows 0..7, 8..15
        HART_UNROLL for (int j = 0; j < NC; ++j) p[j][0] = p[j][1] = p[j][2] = p[j][3] = _mm256_setzero_si256();
        HART_UNROLL for (int k = 0; k < 8; ++k) {
          const __m256i w0 = ld(q + 64 * k), w1 = ld(q + 64 * k + 32);
          const __m256i a0 = _mm256_and_si256(w0, m4), a1 = _mm256_and_si256(w1, m4);
          const __m256i b0 = _mm256_and_si256(_mm256_srli_epi16(w0, 4), m4), b1 = _mm256_and_si256(_mm256_srli_epi16(w1, 4), m4);
          HART_UNROLL for (int j = 0; j < NC; ++j) {
            const int8_t* xp = x.q[j] + 256 * b + 64 * h + 4 * k;
            int32_t xa, xb;
            std::memcpy(&xa, xp, 4);
            std::memcpy(&xb, xp + 32, 4);
            const __m256i va = _mm256_set1_epi32(xa), vb = _mm256_set1_epi32(xb);
            p[j][0] = _mm256_add_epi16(p[j][0], _mm256_maddubs_epi16(a0, va));
            p[j][1] = _mm256_add_epi16(p[j][1], _mm256_maddubs_epi16(a1, va));
            p[j][2] = _mm256_add_epi16(p[j][2], _mm256_maddubs_epi16(b0, vb));
            p[j][3] = _mm256_add_epi16(p[j][3], _mm256_maddubs_epi16(b1, vb));
          }
        }
        HART_UNROLL for (int t = 0; t < 2; ++t) {
          const __m128i sc = simd::q4k_row_bytes(blk, 2 * h + t, false);
          const __m256i sc_lo = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(sc, sc));  // rows 0..7, each twice
          const __m256i sc_hi = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sc, sc));
          HART_UNROLL for (int j = 0; j < NC; ++j) {
            sum_lo[j] = IntDot::s16(sum_lo[j], p[j][2 * t], sc_lo);
            sum_hi[j] = IntDot::s16(sum_hi[j], p[j][2 * t + 1], sc_hi);
          }
        }
      }
      for (int s = 0; s < 8; s += 2) {  // mins of sub-blocks s and s + 1 side by side per row
        const __m128i m0 = simd::q4k_row_bytes(blk, s, true), m1 = simd::q4k_row_bytes(blk, s + 1, true);
        const __m256i v_lo = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m0, m1));
        const __m256i v_hi = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(m0, m1));
        HART_UNROLL for (int j = 0; j < NC; ++j) {
          const int16_t* bs = x.s[j] + 16 * b + 2 * s;
          const uint32_t pair = uint16_t(bs[0] + bs[1]) | uint32_t(uint16_t(bs[2] + bs[3])) << 16;
          const __m256i bv = _mm256_set1_epi32(static_cast<int32_t>(pair));
          min_lo[j] = IntDot::s16(min_lo[j], v_lo, bv);
          min_hi[j] = IntDot::s16(min_hi[j], v_hi, bv);
        }
      }
      const __m256 d_lo = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk)));
      const __m256 d_hi = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 16)));
      const __m256 dm_lo = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 32)));
      const __m256 dm_hi = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 48)));
      HART_UNROLL for (int j = 0; j < NC; ++j) {
        const __m256 dx = _mm256_set1_ps(x.d[j][b]);
        acc_lo[j] = _mm256_fmadd_ps(_mm256_mul_ps(d_lo, dx), _mm256_cvtepi32_ps(sum_lo[j]), acc_lo[j]);
        acc_hi[j] = _mm256_fmadd_ps(_mm256_mul_ps(d_hi, dx), _mm256_cvtepi32_ps(sum_hi[j]), acc_hi[j]);
        acc_lo[j] = _mm256_fnmadd_ps(_mm256_mul_ps(dm_lo, dx), _mm256_cvtepi32_ps(min_lo[j]), acc_lo[j]);
        acc_hi[j] = _mm256_fnmadd_ps(_mm256_mul_ps(dm_hi, dx), _mm256_cvtepi32_ps(min_hi[j]), acc_hi[j]);
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

