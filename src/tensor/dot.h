// Float32 dot product and axpy for attention, where the vectors are a head wide
// (64-128 floats) and too short for the matmul kernels' threading. AVX2 + FMA when
// the CPU has them (chosen once at run time), portable C++ otherwise.
#pragma once
#include <cstddef>

namespace hart::tensor {

float dot(const float* a, const float* b, size_t n);   // sum a[i] * b[i]
void axpy(float a, const float* x, float* y, size_t n);  // y[i] += a * x[i]

}  // namespace hart::tensor
