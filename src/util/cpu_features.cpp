#include "util/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HART_X86 1
#endif

namespace hart {
namespace {

CpuFeatures detect() {
  CpuFeatures f;
#ifdef HART_X86
  __builtin_cpu_init();
  // F16C via CPUID leaf 1: clang's __builtin_cpu_supports lacks "f16c".
  unsigned a, b, c, d;
  f.f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
  // The same YMM state as AVX2, which __builtin_cpu_supports("avx2") has checked.
  f.avxvnni = f.avx2 && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

const char* simd_path_name(SimdPath p) {
  switch (p) {
    case SimdPath::Scalar: return "scalar";
    case SimdPath::Avx2: return "avx2";
    case SimdPath::Avx512: return "avx512";
  }
  return "?";
}

SimdPath widest_path(bool (*supported)(SimdPath)) {
  return supported(SimdPath::Avx512) ? SimdPath::Avx512 : supported(SimdPath::Avx2) ? SimdPath::Avx2 : SimdPath::Scalar;
}

}  // namespace hart
