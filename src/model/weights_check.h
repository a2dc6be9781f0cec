// Checks an architecture makes once, up front, so a malformed model fails at load
// with the tensor's name rather than deep inside a forward pass.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/loaded_model.h"
#include "tensor/matmul.h"

namespace hart {

// The [rows, cols] matrix `name`; `multiplied` (the default) also requires a dtype
// the kernels can multiply.
tensor::Weights check_matrix(const LoadedModel& m, const std::string& name, int64_t rows, int64_t cols,
                             bool multiplied = true);
// The n-element vector `name` (norm weights, biases) as floats.
std::vector<float> check_vector(const LoadedModel& m, const std::string& name, int64_t n);
// Before an eval: tokens present, inside the vocabulary, and fitting the context.
void check_eval(const LoadedModel& m, std::span<const int32_t> tokens, int64_t n_past, int64_t n_ctx, int64_t n_vocab);

}  // namespace hart
