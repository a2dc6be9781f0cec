// A linear layer: y = x W^T + b for a batch of rows; the bias is required (GPT-2,
// BERT) or optional (Qwen 2's Q/K/V, Phi-3's output).
#pragma once
#include <initializer_list>
#include <string>
#include <vector>

#include "model/loaded_model.h"
#include "tensor/matmul.h"
#include "tensor/thread_pool.h"

namespace hart {

struct Linear {
  tensor::Weights w;     // [out, in]
  std::vector<float> b;  // [out], or empty: no bias
};

enum class Bias { Required, Optional };
// `prefix`.weight ([rows, cols]) and `prefix`.bias ([rows]), checked.
Linear check_linear(const LoadedModel& m, const std::string& prefix, int64_t rows, int64_t cols,
                    Bias bias = Bias::Required);
// y[n][rows] = x[n][cols] W^T + b
void apply(const Linear& l, const float* x, size_t n, float* y, tensor::ThreadPool& pool);
// The same for several layers reading the same x (Q, K and V), x quantized once.
struct LinearOut {
  const Linear* l;
  float* y;
};
void apply(std::initializer_list<LinearOut> outs, const float* x, size_t n, tensor::ThreadPool& pool);

}  // namespace hart
