// Distance kernels over float32 vectors, in three instruction-set versions (scalar,
// AVX2+FMA, AVX-512F) chosen at run time from what the CPU supports
// (util/cpu_features.h; the build targets the portable baseline). Each version
// gives the same results as the scalar one up to float rounding order.
#pragma once
#include <cstddef>

#include "util/cpu_features.h"

namespace hart::vector {

// One pair: sum of (a[i] - b[i])^2, or sum of a[i] * b[i], over n elements.
using PairKernel = float (*)(const float* a, const float* b, size_t n);
// One query against n_rows rows stored back to back (row r at rows + r * dim).
using RowsKernel = void (*)(const float* query, const float* rows, size_t n_rows, size_t dim, float* out);

// One pair with the dimension behind a pointer (a size_t), in hnswlib's distance-function
// shape, so a graph index reaches the kernel in one call: sum (a-b)^2, or 1 - a.b.
using GraphKernel = float (*)(const void* a, const void* b, const void* dim);

struct DistanceKernels {
  SimdPath path;
  PairKernel l2_squared, dot;
  RowsKernel l2_squared_rows, dot_rows;
  GraphKernel l2_squared_graph, one_minus_dot_graph;
};

bool kernel_supported(SimdPath p);  // Avx2 needs AVX2 + FMA, Avx512 needs AVX-512F too
SimdPath best_kernel();             // the widest supported path
// The kernels of path `p`; a UsageError naming the path when this CPU cannot run it.
const DistanceKernels& distance_kernels(SimdPath p);

}  // namespace hart::vector
