// The portable reference kernels: one float accumulator, elements in order.
#include "vector/distance_kernels.h"

namespace hart::vector::detail {
namespace {

float l2_squared(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) {
    float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

float dot(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

template <float (*Pair)(const float*, const float*, size_t)>
void rows(const float* q, const float* r, size_t n_rows, size_t dim, float* out) {
  for (size_t i = 0; i < n_rows; ++i) out[i] = Pair(q, r + i * dim, dim);
}

float l2_squared_graph(const void* a, const void* b, const void* dim) {
  return l2_squared(static_cast<const float*>(a), static_cast<const float*>(b), *static_cast<const size_t*>(dim));
}

float one_minus_dot_graph(const void* a, const void* b, const void* dim) {
  return 1.0f - dot(static_cast<const float*>(a), static_cast<const float*>(b), *static_cast<const size_t*>(dim));
}

}  // namespace

const DistanceKernels kScalarKernels{SimdPath::Scalar, l2_squared, dot, rows<l2_squared>, rows<dot>,
                                     l2_squared_graph, one_minus_dot_graph};

}  // namespace hart::vector::detail
