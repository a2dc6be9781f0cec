// Activation rows in the form a weight type's kernel consumes. Quantized weights
// are multiplied by activations quantized once per call (as llama.cpp does) so the
// inner loops are integer dot products: Q8_0 (32-element blocks, for the 32-element
// weight types) or Q8_K (256-element blocks, for the K-quants and IQ4_XS). Float weights
// take the float rows as they are.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "tensor/thread_pool.h"

namespace hart::tensor {

enum class ActFormat { F32, Q8_0, Q8_K };

// The activation form `weight_type` needs; throws Error naming unsupported types.
ActFormat act_format(DType weight_type);
std::string matmul_type_names();  // the types act_format accepts: "F32 F16 ... IQ4_XS"
size_t act_block(ActFormat f);  // elements per scale: 1, 32 or 256

// n rows of `cols` activations. For Q8_0/Q8_K, element i of row r is
// d[r*cols/B + i/B] * qs[r*cols + i] with |qs| <= 127, d = max|x| / 127 over the
// block (a float, not rounded to f16), qs = round-half-even(x / d).
struct Activations {
  ActFormat format = ActFormat::F32;
  size_t n = 0, cols = 0;
  const float* f32 = nullptr;   // F32: the caller's rows (not owned, stride cols)
  std::vector<int8_t> qs;       // n * cols
  std::vector<float> d;         // n * cols / B
  std::vector<int16_t> sums;    // sums of qs: per 32 (Q8_0) or per 16 (Q8_K) elements
};

// Fills `out` from n rows of x (stride cols), sizing its arrays; the rows are split
// over `pool`'s threads when one is given and there are several. `cols` must be a
// multiple of the block size (Error otherwise). AVX2 where the CPU has it, the same
// bits as the portable code.
void quantize_activations(ActFormat f, const float* x, size_t n, size_t cols, Activations& out,
                          ThreadPool* pool = nullptr);

}  // namespace hart::tensor
