// AVX2 + AVX-VNNI block kernels, for CPUs with AVX-VNNI but not the AVX-512 path
// (chosen at run time; see cpu_path.h): the kernels of gemm_avx2_kernels.h with
// VEX-encoded VPDPBUSD / VPDPWSSD integer dots.
#include <cmath>
#include <cstring>

#include "formats/dtype.h"
#include "tensor/gemm_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tensor/simd_x86.h"

#define HART_K HART_AVX2_VNNI

namespace hart::tensor::detail {
namespace {

struct IntDot {
  HART_K static __m256i u8s8(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_avx_epi32(acc, u, s); }
  HART_K static __m256i s16(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_avx_epi32(acc, a, b); }
};

}  // namespace
}  // namespace hart::tensor::detail

#include "tensor/gemm_avx2_kernels.h"

namespace hart::tensor::detail {
KernelTable avx2_vnni_kernels() { return kernel_table(); }
}  // namespace hart::tensor::detail

#else
namespace hart::tensor::detail {
KernelTable avx2_vnni_kernels() { return {}; }
}  // namespace hart::tensor::detail
#endif
