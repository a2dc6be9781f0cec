// Matrix-vector and matrix-matrix products with weights in their stored type:
// y = W x (one token) and Y = X W^T (a batch of n activation rows: prompt
// processing). W is [rows x cols] row-major in any type act_format accepts (F32,
// F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K..Q6_K, IQ4_XS), each row a
// whole number of blocks, at any byte address; activations and
// outputs are float32. Blocks are decoded in registers, never the whole tensor.
//
// Quantized weights multiply activations quantized once per call (Q8_0 or Q8_K,
// see activations.h) with integer dot products, as llama.cpp does; float weights
// use the float activations. Output rows are split over the pool's threads in
// fixed ranges and every output is computed the same way whatever the split, so
// results are identical for any thread count.
#pragma once
#include <cstddef>
#include <span>

#include "formats/dtype.h"
#include "tensor/activations.h"
#include "tensor/cpu_path.h"
#include "tensor/thread_pool.h"

namespace hart::tensor {

struct Weights {
  DType type;
  const void* data;  // rows * dtype_row_bytes(type, cols) bytes
  size_t rows, cols;
  bool interleaved = false;  // Q8_0/Q4_0 in interleave.h's layout (any SIMD path)
};

bool matmul_supported(DType t);  // every type activations.h's act_format accepts

// y[r] = sum_i W[r][i] x[i], r < rows.
void matvec(const Weights& w, const float* x, float* y, ThreadPool& pool);
// y[c * rows + r] = sum_i W[r][i] x[c * cols + i], c < n.
void matmul(const Weights& w, const float* x, size_t n, float* y, ThreadPool& pool);
// The same with activations prepared by quantize_activations; a.format must be
// act_format(w.type) and a.cols == w.cols.
void matmul(const Weights& w, const Activations& a, float* y, ThreadPool& pool);
// Several weight matrices times the same x (Q, K and V; gate and up): y_i = X W_i^T,
// the activations quantized once per form rather than once per matrix.
struct Product {
  const Weights* w;
  float* y;
};
void matmul(std::span<const Product> products, const float* x, size_t n, ThreadPool& pool);

// The same on an explicit path (tests compare paths); `p` must be supported.
void matvec(Path p, const Weights& w, const float* x, float* y, ThreadPool& pool);
void matmul(Path p, const Weights& w, const float* x, size_t n, float* y, ThreadPool& pool);
void matmul(Path p, const Weights& w, const Activations& a, float* y, ThreadPool& pool);

}  // namespace hart::tensor
