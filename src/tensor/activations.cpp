// Activation quantization to Q8_0 / Q8_K blocks (see activations.h for the form).
#include "tensor/activations.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "util/error.h"

namespace hart::tensor {
namespace {

// Round half to even for |v| < 2^22, as CVTPS2DQ does under the default MXCSR:
// adding 1.5 * 2^23 leaves no fraction bits, so the float add itself rounds.
inline int round_even(float v) { return static_cast<int>((v + 12582912.0f) - 12582912.0f); }

void quantize_block(const float* x, size_t b, int8_t* qs, float* d) {
  float amax = 0.0f;  // std::max(amax, NaN) keeps amax as std::fmax would, without a libm call per element
  for (size_t i = 0; i < b; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float scale = amax / 127.0f;
  const float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
  *d = scale;
  for (size_t i = 0; i < b; ++i) qs[i] = static_cast<int8_t>(round_even(x[i] * inv));
}

// Every weight type with kernels, and the activations they multiply (as llama.cpp
// pairs them: 32-element types with Q8_0 blocks, 256-element ones with Q8_K).
struct WeightForm {
  DType type;
  ActFormat act;
};
constexpr WeightForm kForms[] = {
    {DType::F32, ActFormat::F32},    {DType::F16, ActFormat::F32},     {DType::BF16, ActFormat::F32},
    {DType::Q8_0, ActFormat::Q8_0},  {DType::Q4_0, ActFormat::Q8_0},   {DType::Q4_1, ActFormat::Q8_0},
    {DType::Q5_0, ActFormat::Q8_0},  {DType::Q5_1, ActFormat::Q8_0},   {DType::IQ4_NL, ActFormat::Q8_0},
    {DType::Q2_K, ActFormat::Q8_K},  {DType::Q3_K, ActFormat::Q8_K},   {DType::Q4_K, ActFormat::Q8_K},
    {DType::Q5_K, ActFormat::Q8_K},  {DType::Q6_K, ActFormat::Q8_K},   {DType::IQ4_XS, ActFormat::Q8_K},
};

}  // namespace

ActFormat act_format(DType t) {
  for (const WeightForm& f : kForms)
    if (f.type == t) return f.act;
  throw Error(std::string("tensor kernels: no matmul for weight type ") + dtype_info(t).name + " (supported: " +
              matmul_type_names() + ")");
}

std::string matmul_type_names() {
  std::string names;
  for (const WeightForm& f : kForms) names += std::string(names.empty() ? "" : " ") + dtype_info(f.type).name;
  return names;
}

size_t act_block(ActFormat f) { return f == ActFormat::Q8_0 ? 32 : f == ActFormat::Q8_K ? 256 : 1; }

static size_t sum_group(ActFormat f) { return f == ActFormat::Q8_0 ? 32 : 16; }

void prepare_activations(ActFormat f, size_t n, size_t cols, Activations& out) {
  const size_t b = act_block(f);
  if (cols % b)
    throw Error("tensor kernels: activation width " + std::to_string(cols) + " is not a multiple of " +
                std::to_string(b) + " (the block size)");
  out.format = f;
  out.n = n;
  out.cols = cols;
  out.f32 = nullptr;
  if (f == ActFormat::F32) return;
  out.qs.resize(n * cols);
  out.d.resize(n * cols / b);
  out.sums.resize(n * cols / sum_group(f));
}

void quantize_activation_row(const float* x, size_t r, Activations& out) {
  const size_t b = act_block(out.format), g = sum_group(out.format), cols = out.cols;
  int8_t* qs = out.qs.data() + r * cols;
  for (size_t i = 0; i < cols / b; ++i) quantize_block(x + i * b, b, qs + i * b, out.d.data() + r * cols / b + i);
  int16_t* sums = out.sums.data() + r * cols / g;
  for (size_t i = 0; i < cols / g; ++i) {
    int s = 0;
    for (size_t j = 0; j < g; ++j) s += qs[i * g + j];
    sums[i] = static_cast<int16_t>(s);
  }
}

void quantize_activations(ActFormat f, const float* x, size_t n, size_t cols, Activations& out) {
  prepare_activations(f, n, cols, out);
  if (f == ActFormat::F32) {
    out.f32 = x;
    return;
  }
  for (size_t r = 0; r < n; ++r) quantize_activation_row(x + r * cols, r, out);
}

}  // namespace hart::tensor
