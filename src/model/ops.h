// Reading a loaded tensor's rows as floats, whatever its dtype. The arithmetic of
// the forward pass lives in tensor/ (matmul.h, ops.h).
#pragma once
#include <cstdint>
#include <vector>

#include "model/loaded_model.h"

namespace hart::ops {

// Row `r` of a [rows, cols] tensor, dequantized.
void read_row(const TensorView& t, uint64_t r, float* out);
// A whole small tensor (norm weights, biases) as floats.
std::vector<float> to_floats(const TensorView& t);

}  // namespace hart::ops
