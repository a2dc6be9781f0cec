// Random weights and activations for the tensor kernel tests, and the reference
// the kernels are held to: dequantize (formats/) then dot in double.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "support/model_builder.h"

namespace hart::tensor::test {

// rows x cols weights of type t. F32/F16/BF16/Q8_0/Q4_0 by hart::quantize of N(0, 1)
// values; the other types (no quantizer) as random bytes with sane f16 scales. With
// `raw_bytes`, Q8_0/Q4_0 are random bytes too (covers q = -128 for Q8_0).
inline std::string make_weights(DType t, size_t rows, size_t cols, uint32_t seed, bool raw_bytes = false) {
  const bool quantizer = t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::Q8_0 || t == DType::Q4_0;
  if (!quantizer || (raw_bytes && (t == DType::Q8_0 || t == DType::Q4_0)))
    return hart::test::random_tensor_bytes(t, rows * cols, seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(rows * cols);
  for (float& f : v) f = normal(rng);
  std::string out(*dtype_row_bytes(t, rows * cols), '\0');
  quantize(t, v.data(), out.data(), v.size());
  return out;
}

// N(0, 1) activations with a few outliers (as real activations have), so block
// scales vary.
inline std::vector<float> make_acts(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = normal(rng) * (i % 97 == 3 ? 8.0f : 1.0f);
  return v;
}

inline std::vector<float> dequantized(DType t, const std::string& bytes, size_t n) {
  std::vector<float> out(n);
  dequantize(t, bytes.data(), out.data(), n);
  return out;
}

}  // namespace hart::tensor::test
