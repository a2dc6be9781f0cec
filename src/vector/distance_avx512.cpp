// AVX-512F distance kernels (run only when distance.cpp has checked the CPU): 16 floats
// a register; the last 1-15 elements through one masked load.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "vector/distance_kernels.h"
// Only what follows is compiled for AVX512F: headers above keep the baseline target.
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#include "vector/distance_simd.h"

// GCC 12 warns inside its own unmasked AVX-512 intrinsics (they start from
// _mm512_undefined_*); the warnings are bogus.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace hart::vector::detail {
namespace {

struct Avx512Ops {
  using Reg = __m512;
  using Mask = __mmask16;
  static constexpr size_t kWidth = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static Mask mask(size_t rem) { return static_cast<Mask>((1u << rem) - 1); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(Reg v) { return _mm512_reduce_add_ps(v); }
};

}  // namespace

const DistanceKernels kAvx512Kernels = simd::kernels<Avx512Ops>(SimdPath::Avx512);

}  // namespace hart::vector::detail
#pragma GCC pop_options
#endif
