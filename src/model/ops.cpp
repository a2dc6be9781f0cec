#include "model/ops.h"

#include <vector>

#include "util/error.h"

namespace hart::ops {

void read_row(const TensorView& t, uint64_t r, float* out) {
  uint64_t cols = t.cols();
  auto row_bytes = dtype_row_bytes(t.dtype, cols);
  if (!row_bytes || r >= t.rows()) throw Error("tensor '" + t.name + "': row " + std::to_string(r) + " out of range");
  dequantize(t.dtype, t.data + r * *row_bytes, out, cols);
}

std::vector<float> to_floats(const TensorView& t) {
  std::vector<float> v(t.n_elements);
  dequantize(t.dtype, t.data, v.data(), t.n_elements);
  return v;
}

}  // namespace hart::ops
