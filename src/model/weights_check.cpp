#include "model/weights_check.h"

#include "model/ops.h"
#include "util/error.h"

namespace hart {

tensor::Weights check_matrix(const LoadedModel& m, const std::string& name, int64_t rows, int64_t cols,
                             bool multiplied) {
  const TensorView& t = m.require(name);
  if (static_cast<int64_t>(t.rows()) != rows || static_cast<int64_t>(t.cols()) != cols)
    throw Error("model '" + m.info().name + "': tensor '" + name + "' is " + std::to_string(t.rows()) + "x" +
                std::to_string(t.cols()) + ", expected " + std::to_string(rows) + "x" + std::to_string(cols));
  if (multiplied && !tensor::matmul_supported(t.dtype))
    throw Error("model '" + m.info().name + "': tensor '" + name + "' has type " + dtype_info(t.dtype).name +
                ", which the engine cannot multiply yet (supported: " + tensor::matmul_type_names() + ")");
  return {t.dtype, t.data, static_cast<size_t>(rows), static_cast<size_t>(cols), t.interleaved};
}

std::vector<float> check_vector(const LoadedModel& m, const std::string& name, int64_t n) {
  const TensorView& t = m.require(name);
  if (static_cast<int64_t>(t.n_elements) != n)
    throw Error("model '" + m.info().name + "': tensor '" + name + "' has " + std::to_string(t.n_elements) +
                " elements, expected " + std::to_string(n));
  return ops::to_floats(t);
}

void check_eval(const LoadedModel& m, std::span<const int32_t> tokens, int64_t n_past, int64_t n_ctx, int64_t n_vocab) {
  if (tokens.empty()) throw UsageError("eval: no tokens to process");
  if (n_past + static_cast<int64_t>(tokens.size()) > n_ctx)
    throw UsageError("model '" + m.info().name + "': " + std::to_string(n_past + tokens.size()) +
                     " tokens exceed the context length " + std::to_string(n_ctx));
  for (int32_t t : tokens)
    if (t < 0 || t >= n_vocab)
      throw UsageError("token id " + std::to_string(t) + " is outside the vocabulary (0.." + std::to_string(n_vocab - 1) + ")");
}

}  // namespace hart
