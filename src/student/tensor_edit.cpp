#include "student/tensor_edit.h"

#include <algorithm>
#include <numeric>

#include "util/error.h"

namespace hart {
namespace {

// Indices [begin, end) of `score` ordered by score, then index.
void order_by_score(const std::vector<float>& score, uint64_t begin, uint64_t end, std::vector<uint64_t>& idx,
                    uint64_t k) {
  idx.resize(end - begin);
  std::iota(idx.begin(), idx.end(), begin);
  auto less = [&](uint64_t a, uint64_t b) { return score[a] < score[b] || (score[a] == score[b] && a < b); };
  if (k < idx.size()) std::nth_element(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(k), idx.end(), less);
}

}  // namespace

uint64_t zero_lowest(FloatMatrix& m, const std::vector<float>& score, double fraction, bool per_row) {
  std::vector<uint64_t> idx;
  uint64_t zeroed = 0;
  const uint64_t group = per_row ? m.cols : m.v.size();
  for (uint64_t start = 0; start < m.v.size(); start += group) {
    const auto k = static_cast<uint64_t>(fraction * double(group));
    if (!k) continue;
    order_by_score(score, start, start + group, idx, k);
    for (uint64_t i = 0; i < k; ++i) m.v[idx[i]] = 0.0f;
    zeroed += k;
  }
  return zeroed;
}

uint64_t zero_below(FloatMatrix& m, const std::vector<float>& score, double threshold) {
  uint64_t zeroed = 0;
  for (size_t i = 0; i < m.v.size(); ++i)
    if (score[i] < threshold) {
      m.v[i] = 0.0f;
      ++zeroed;
    }
  return zeroed;
}

uint64_t keep_n_of_m(FloatMatrix& m, const std::vector<float>& score, int n, int group, const std::string& what) {
  if (m.cols % static_cast<uint64_t>(group))
    throw UsageError(std::to_string(n) + ":" + std::to_string(group) + " sparsity needs rows whose length is a multiple of " +
                     std::to_string(group) + "; " + what + " has rows of " + std::to_string(m.cols));
  std::vector<uint64_t> idx;
  uint64_t zeroed = 0;
  const auto drop = static_cast<uint64_t>(group - n);
  for (uint64_t start = 0; start < m.v.size(); start += static_cast<uint64_t>(group)) {
    order_by_score(score, start, start + group, idx, drop);
    for (uint64_t i = 0; i < drop; ++i) m.v[idx[i]] = 0.0f;
    zeroed += drop;
  }
  return zeroed;
}

FloatMatrix take_rows(const FloatMatrix& m, const std::vector<uint64_t>& rows) {
  FloatMatrix out{rows.size(), m.cols, {}};
  out.v.reserve(rows.size() * m.cols);
  for (uint64_t r : rows) out.v.insert(out.v.end(), m.v.begin() + r * m.cols, m.v.begin() + (r + 1) * m.cols);
  return out;
}

FloatMatrix take_cols(const FloatMatrix& m, const std::vector<uint64_t>& cols) {
  FloatMatrix out{m.rows, cols.size(), {}};
  out.v.reserve(m.rows * cols.size());
  for (uint64_t r = 0; r < m.rows; ++r)
    for (uint64_t c : cols) out.v.push_back(m.v[r * m.cols + c]);
  return out;
}

std::vector<uint8_t> encode_matrix(const FloatMatrix& m, DType t, const std::string& what) {
  if (t != DType::F32 && t != DType::F16 && t != DType::BF16 && t != DType::Q8_0 && t != DType::Q4_0)
    throw UsageError(what + " is " + dtype_info(t).name +
                     ", which students cannot rewrite yet (F32, F16, BF16, Q8_0 and Q4_0 can be cut or sparsified); "
                     "keep the tensor whole or store the parent in one of those types");
  auto row_bytes = dtype_row_bytes(t, m.cols);
  if (!row_bytes)
    throw UsageError(what + ": rows of " + std::to_string(m.cols) + " elements are not whole " + dtype_info(t).name +
                     " blocks after cutting");
  std::vector<uint8_t> out(*row_bytes * m.rows);
  quantize(t, m.v.data(), out.data(), m.v.size());
  return out;
}

}  // namespace hart
