#include "model/linear.h"

#include "model/weights_check.h"
#include "tensor/ops.h"

namespace hart {

Linear check_linear(const LoadedModel& m, const std::string& prefix, int64_t rows, int64_t cols, Bias bias) {
  Linear l{check_matrix(m, prefix + ".weight", rows, cols), {}};
  if (bias == Bias::Required || m.find(prefix + ".bias")) l.b = check_vector(m, prefix + ".bias", rows);
  return l;
}

void apply(const Linear& l, const float* x, size_t n, float* y, tensor::ThreadPool& pool) {
  tensor::matmul(l.w, x, n, y, pool);
  if (l.b.empty()) return;
  for (size_t i = 0; i < n; ++i) tensor::add(y + i * l.w.rows, l.b.data(), y + i * l.w.rows, l.w.rows);
}

}  // namespace hart
