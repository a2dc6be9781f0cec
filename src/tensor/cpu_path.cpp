#include "tensor/cpu_path.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HART_X86 1
#endif

namespace hart::tensor {

namespace {

bool detect(Path p) {
#ifdef HART_X86
  __builtin_cpu_init();
  unsigned a, b, c, d;
  const bool f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
  if (p == Path::Avx2) return avx2;
  if (p == Path::Avx512)
    return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vnni");
#endif
  return p == Path::Scalar;
}

}  // namespace

// CPUID traps to the hypervisor on virtual machines: ask once.
bool path_supported(Path p) {
  static const bool avx2 = detect(Path::Avx2), avx512 = detect(Path::Avx512);
  return p == Path::Scalar || (p == Path::Avx2 && avx2) || (p == Path::Avx512 && avx512);
}

Path best_path() {
  static const Path p = path_supported(Path::Avx512) ? Path::Avx512
                        : path_supported(Path::Avx2) ? Path::Avx2
                                                     : Path::Scalar;
  return p;
}

const char* path_name(Path p) {
  switch (p) {
    case Path::Scalar: return "scalar";
    case Path::Avx2: return "avx2";
    case Path::Avx512: return "avx512";
  }
  return "?";
}

}  // namespace hart::tensor
