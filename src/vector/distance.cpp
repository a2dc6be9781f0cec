#include "vector/distance.h"

#include <string>

#include "util/error.h"
#include "vector/distance_kernels.h"

namespace hart::vector {

bool kernel_supported(SimdPath p) {
  const CpuFeatures& f = cpu_features();
  if (p == SimdPath::Avx2) return f.avx2 && f.fma;
  if (p == SimdPath::Avx512) return f.avx2 && f.fma && f.avx512f;
  return p == SimdPath::Scalar;
}

SimdPath best_kernel() {
  static const SimdPath p = widest_path(kernel_supported);
  return p;
}

const DistanceKernels& distance_kernels(SimdPath p) {
  if (!kernel_supported(p))
    throw UsageError(std::string("vector distance kernels: this CPU cannot run the ") + simd_path_name(p) + " path");
#if defined(__x86_64__) || defined(__i386__)
  if (p == SimdPath::Avx512) return detail::kAvx512Kernels;
  if (p == SimdPath::Avx2) return detail::kAvx2Kernels;
#endif
  return detail::kScalarKernels;
}

}  // namespace hart::vector
