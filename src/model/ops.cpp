#include "model/ops.h"

#include <vector>

#include "tensor/interleave.h"
#include "util/error.h"

namespace hart::ops {

void read_row(const TensorView& t, uint64_t r, float* out) {
  uint64_t cols = t.cols();
  auto row_bytes = dtype_row_bytes(t.dtype, cols);
  if (!row_bytes || r >= t.rows()) throw Error("tensor '" + t.name + "': row " + std::to_string(r) + " out of range");
  if (!t.interleaved) return dequantize(t.dtype, t.data + r * *row_bytes, out, cols);
  thread_local std::vector<uint8_t> plain;
  plain.resize(*row_bytes);
  tensor::deinterleave_row(t.dtype, t.data, cols, r, plain.data());
  dequantize(t.dtype, plain.data(), out, cols);
}

std::vector<float> to_floats(const TensorView& t) {
  std::vector<float> v(t.n_elements);
  if (!t.interleaved) {
    dequantize(t.dtype, t.data, v.data(), t.n_elements);
  } else {
    for (uint64_t r = 0; r < t.rows(); ++r) read_row(t, r, v.data() + r * t.cols());
  }
  return v;
}

}  // namespace hart::ops
