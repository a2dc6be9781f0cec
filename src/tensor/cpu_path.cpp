#include "tensor/cpu_path.h"

#include <initializer_list>

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
    for (Path q : {Path::Avx512, Path::Avx2Vnni, Path::Avx2})
      if (path_supported(q)) return q;
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
