// Edits of one weight matrix for a student, on float values: zeroing by score
// (unstructured or N:M sparsity) and keeping some rows or columns (heads, neurons),
// then encoding back to the tensor's type.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/dtype.h"

namespace hart {

struct FloatMatrix {
  uint64_t rows = 0, cols = 0;
  std::vector<float> v;  // row-major
};

// Zeroes the floor(fraction * n) elements of lowest score, over the whole matrix
// (per_row = false) or in each row (per_row = true: Wanda's comparison group). Ties
// go to the lower index. Returns the elements zeroed.
uint64_t zero_lowest(FloatMatrix& m, const std::vector<float>& score, double fraction, bool per_row);
// Zeroes the elements whose score is below `threshold`.
uint64_t zero_below(FloatMatrix& m, const std::vector<float>& score, double threshold);
// N:M sparsity: in every run of m consecutive elements of a row, keeps the n of
// highest score. UsageError naming `what` when the row length is not a multiple of m.
uint64_t keep_n_of_m(FloatMatrix& m, const std::vector<float>& score, int n, int group, const std::string& what);

FloatMatrix take_rows(const FloatMatrix& m, const std::vector<uint64_t>& rows);
FloatMatrix take_cols(const FloatMatrix& m, const std::vector<uint64_t>& cols);

// The matrix in type `t` (F32, F16, BF16, Q8_0, Q4_0: the types the project can
// write). UsageError naming `what` for another type or rows that are not whole blocks.
std::vector<uint8_t> encode_matrix(const FloatMatrix& m, DType t, const std::string& what);

}  // namespace hart
