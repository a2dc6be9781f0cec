// Internal to vector/: the per-path kernel tables distance.cpp chooses from.
#pragma once
#include "vector/distance.h"

namespace hart::vector::detail {

extern const DistanceKernels kScalarKernels;
#if defined(__x86_64__) || defined(__i386__)
extern const DistanceKernels kAvx2Kernels;
extern const DistanceKernels kAvx512Kernels;
#endif

}  // namespace hart::vector::detail
