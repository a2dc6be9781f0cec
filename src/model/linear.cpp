#include "model/linear.h"

#include "model/weights_check.h"
#include "tensor/ops.h"

namespace hart {

Linear check_linear(const LoadedModel& m, const std::string& prefix, int64_t rows, int64_t cols, Bias bias) {
  Linear l{check_matrix(m, prefix + ".weight", rows, cols), {}};
  if (bias == Bias::Required || m.find(prefix + ".bias")) l.b = check_vector(m, prefix + ".bias", rows);
  return l;
}

void apply(const Linear& l, const float* x, size_t n, float* y, tensor::ThreadPool& pool) { apply({{&l, y}}, x, n, pool); }

void apply(std::initializer_list<LinearOut> outs, const float* x, size_t n, tensor::ThreadPool& pool) {
  std::vector<tensor::Product> products;
  for (const LinearOut& o : outs) products.push_back({&o.l->w, o.y});
  tensor::matmul(products, x, n, pool);
  for (const LinearOut& o : outs)
    if (!o.l->b.empty())
      for (size_t i = 0; i < n; ++i) tensor::add(o.y + i * o.l->w.rows, o.l->b.data(), o.y + i * o.l->w.rows, o.l->w.rows);
}

}  // namespace hart
