#include "model/ops.h"

#include <cmath>
#include <vector>

#include "util/error.h"

namespace hart::ops {

void rmsnorm(float* out, const float* x, const float* w, size_t n, float eps) {
  double ss = 0;
  for (size_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  float scale = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

void layernorm(float* out, const float* x, const float* w, const float* b, size_t n, float eps) {
  double mean = 0, var = 0;
  for (size_t i = 0; i < n; ++i) mean += x[i];
  mean /= n;
  for (size_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= n;
  float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(x[i] - mean) * inv * (w ? w[i] : 1.0f) + (b ? b[i] : 0.0f);
}

void softmax(float* x, size_t n) {
  float mx = x[0];
  for (size_t i = 1; i < n; ++i) mx = std::max(mx, x[i]);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += x[i] = std::exp(x[i] - mx);
  float inv = static_cast<float>(1.0 / sum);
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void rope_norm(float* x, size_t n_heads, size_t head_dim, size_t n_rot, int32_t pos, float base) {
  // theta advances by a constant factor per pair, in float, as ggml computes it.
  const float theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
  float theta = static_cast<float>(pos);
  for (size_t i = 0; i + 1 < n_rot; i += 2, theta *= theta_scale) {
    float c = std::cos(theta), s = std::sin(theta);
    for (size_t h = 0; h < n_heads; ++h) {
      float* p = x + h * head_dim + i;
      float a = p[0], b = p[1];
      p[0] = a * c - b * s;
      p[1] = a * s + b * c;
    }
  }
}

void swiglu(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void add(float* x, const float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] += y[i];
}

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
