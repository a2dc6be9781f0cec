#include "tensor/cpu_path.h"

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string_view>

namespace hart::tensor {

bool path_supported(Path p) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  switch (p) {
    case Path::Scalar: return true;
    case Path::Avx2: return avx2;
    case Path::Avx2Vnni: return avx2 && f.avxvnni;
    case Path::Avx512: return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni;
  }
  return false;
}

Path best_path() {
  static const Path p = [] {
    // HART_CPU_PATH caps the choice (to compare with an AVX2-only build of another
    // engine, or to see what a user without AVX-512 gets).
    Path cap = Path::Avx512;
    if (const char* want = std::getenv("HART_CPU_PATH"); want && *want) {
      bool known = false;
      for (Path q : {Path::Scalar, Path::Avx2, Path::Avx2Vnni, Path::Avx512})
        if (std::string_view(want) == path_name(q)) cap = q, known = true;
      if (!known)
        std::fprintf(stderr, "hart: HART_CPU_PATH=%s is not a kernel path (scalar, avx2, avx2-vnni, avx512); ignored\n",
                     want);
    }
    for (Path q : {Path::Avx512, Path::Avx2Vnni, Path::Avx2})
      if (q <= cap && path_supported(q)) return q;
    return Path::Scalar;
  }();
  return p;
}

const char* path_name(Path p) {
  switch (p) {
    case Path::Scalar: return "scalar";
    case Path::Avx2: return "avx2";
    case Path::Avx2Vnni: return "avx2-vnni";
    case Path::Avx512: return "avx512";
  }
  return "?";
}

}  // namespace hart::tensor
