// AVX2 + FMA distance kernels (run only when distance.cpp has checked the CPU): 8 floats
// a register; the last 1-7 elements through a masked load.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "vector/distance_kernels.h"
// Only what follows is compiled for AVX2: headers above keep the baseline target.
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "vector/distance_simd.h"

namespace hart::vector::detail {
namespace {

struct Avx2Ops {
  using Reg = __m256;
  using Mask = __m256i;
  static constexpr size_t kWidth = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static Mask mask(size_t rem) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(rem)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(Reg v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace

const DistanceKernels kAvx2Kernels = simd::kernels<Avx2Ops>(SimdPath::Avx2);

}  // namespace hart::vector::detail
#pragma GCC pop_options
#endif
