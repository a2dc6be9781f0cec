#include "tensor/cpu_path.h"

namespace hart::tensor {

bool path_supported(Path p) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  if (p == Path::Avx2) return avx2;
  if (p == Path::Avx512) return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni;
  return p == Path::Scalar;
}

Path best_path() {
  static const Path p = widest_path(path_supported);
  return p;
}

}  // namespace hart::tensor
