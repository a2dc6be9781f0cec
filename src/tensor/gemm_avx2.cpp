// AVX2 + FMA + F16C block kernels (chosen at run time; see cpu_path.h): the
// kernels of gemm_avx2_kernels.h with VPMADDUBSW + VPMADDWD integer dots.
#include <cmath>
#include <cstring>

#include "formats/dtype.h"
#include "tensor/gemm_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/simd_x86.h"

#define HART_K HART_AVX2

namespace hart::tensor::detail {
namespace {

struct IntDot {
  HART_K static __m256i u8s8(__m256i acc, __m256i u, __m256i s) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
  }
  HART_K static __m256i s16(__m256i acc, __m256i a, __m256i b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
};

}  // namespace
}  // namespace hart::tensor::detail

#include "tensor/gemm_avx2_kernels.h"

namespace hart::tensor::detail {
KernelTable avx2_kernels() { return kernel_table(); }
}  // namespace hart::tensor::detail

#else
namespace hart::tensor::detail {
KernelTable avx2_kernels() { return {}; }
}  // namespace hart::tensor::detail
#endif
