// AVX2 kernels for Q8_0, Q4_0 and Q4_K weights in interleave.h's 16-row layout (the one
// the AVX-512 kernels read), with AVX-VNNI (VEX VPDPBUSD) and without (VPMADDUBSW
// + VPMADDWD): see gemm_interleaved_avx2_kernels.h.
#include <cstring>

#include "tensor/gemm_kernels.h"
#include "tensor/interleave.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/simd_x86.h"

namespace hart::tensor::detail {

namespace vnni {
#define HART_K HART_AVX2_VNNI
struct IntDot {
  static constexpr int kQ8Offset = 128;
  HART_K static __m256i u8s8(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_avx_epi32(acc, u, s); }
  HART_K static __m256i q8(__m256i acc, __m256i w, __m256i x) { return _mm256_dpbusd_avx_epi32(acc, w, x); }
  HART_K static __m256i s16(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_avx_epi32(acc, a, b); }
};
#include "tensor/gemm_interleaved_avx2_kernels.h"
#undef HART_K
}  // namespace vnni

namespace plain {
#define HART_K HART_AVX2
struct IntDot {
  static constexpr int kQ8Offset = 0;
  HART_K static __m256i u8s8(__m256i acc, __m256i u, __m256i s) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
  }
  HART_K static __m256i q8(__m256i acc, __m256i w, __m256i x) {
    const __m256i q = _mm256_xor_si256(w, _mm256_set1_epi8(static_cast<char>(0x80)));
    return u8s8(acc, _mm256_sign_epi8(q, q), _mm256_sign_epi8(x, q));
  }
  HART_K static __m256i s16(__m256i acc, __m256i a, __m256i b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
};
#include "tensor/gemm_interleaved_avx2_kernels.h"
#undef HART_K
}  // namespace plain

KernelTable avx2_vnni_interleaved_kernels() {
  static constexpr KernelEntry k[] = {
      {DType::Q8_0, vnni::drive16<vnni::Interleaved<vnni::ChunksQ8_0>>},
      {DType::Q4_0, vnni::drive16<vnni::Interleaved<vnni::ChunksQ4_0>>},
      {DType::Q4_K, vnni::drive16<vnni::InterleavedQ4_K>},
  };
  return table_of(k);
}

KernelTable avx2_interleaved_kernels() {
  static constexpr KernelEntry k[] = {
      {DType::Q8_0, plain::drive16<plain::Interleaved<plain::ChunksQ8_0>>},
      {DType::Q4_0, plain::drive16<plain::Interleaved<plain::ChunksQ4_0>>},
      {DType::Q4_K, plain::drive16<plain::InterleavedQ4_K>},
  };
  return table_of(k);
}

}  // namespace hart::tensor::detail

#else
namespace hart::tensor::detail {
KernelTable avx2_vnni_interleaved_kernels() { return {}; }
KernelTable avx2_interleaved_kernels() { return {}; }
}  // namespace hart::tensor::detail
#endif
