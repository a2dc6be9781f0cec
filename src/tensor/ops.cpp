#include "tensor/ops.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "util/error.h"

namespace hart::tensor {

void rmsnorm(const float* x, const float* w, float* out, size_t n, float eps) {
  double ss = 0;
  for (size_t i = 0; i < n; ++i) ss += double(x[i]) * x[i];
  const float scale = float(1.0 / std::sqrt(ss / double(n) + eps));
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale * (w ? w[i] : 1.0f);
}

void layernorm(const float* x, const float* w, const float* b, float* out, size_t n, float eps) {
  double mean = 0, var = 0;
  for (size_t i = 0; i < n; ++i) mean += x[i];
  mean /= double(n);
  for (size_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  const double inv = 1.0 / std::sqrt(var / double(n) + eps);
  for (size_t i = 0; i < n; ++i) out[i] = float((x[i] - mean) * inv) * (w ? w[i] : 1.0f) + (b ? b[i] : 0.0f);
}

void softmax(float* x, size_t n) {
  if (n == 0) return;
  float mx = x[0];
  for (size_t i = 1; i < n; ++i) mx = std::fmax(mx, x[i]);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += (x[i] = std::exp(x[i] - mx));
  const float inv = float(1.0 / sum);
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void gelu(float* x, size_t n) {
  constexpr float k = 0.7978845608028654f;  // sqrt(2 / pi)
  for (size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::tanh(k * x[i] * (1.0f + 0.044715f * x[i] * x[i])));
}

void gelu_erf(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.7071067811865476f));
}

void add(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void mul(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void swiglu(const float* gate, const float* up, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void geglu(const float* gate, const float* up, float* out, size_t n) {
  constexpr float k = 0.7978845608028654f;  // sqrt(2 / pi)
  for (size_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = 0.5f * g * (1.0f + std::tanh(k * g * (1.0f + 0.044715f * g * g))) * up[i];
  }
}

void softcap(float* x, size_t n, float cap) {
  for (size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
}

void rope(float* x, size_t n_heads, size_t head_dim, size_t pos, const RopeSpec& r) {
  if (r.n_rot % 2 || r.n_rot > head_dim)
    throw Error("rope: rotated dimensions " + std::to_string(r.n_rot) + " must be even and at most the head size " +
                std::to_string(head_dim));
  const size_t half = r.n_rot / 2;
  // YaRN's correction range, in pair indices (ggml_rope_yarn_corr_dims).
  double low = 0, high = 0, mscale = r.attn_factor;
  if (r.ext_factor != 0.0f) {
    auto dim = [&](float beta) {
      return double(r.n_rot) * std::log(double(r.n_ctx_orig) / (beta * 2 * std::numbers::pi)) / (2 * std::log(double(r.base)));
    };
    low = std::max(0.0, std::floor(dim(r.beta_fast)));
    high = std::min(double(r.n_rot) - 1, std::ceil(dim(r.beta_slow)));
    mscale *= 1.0 + 0.1 * std::log(1.0 / r.freq_scale);
  }
  for (size_t i = 0; i < half; ++i) {
    double extrap = double(pos) * std::pow(double(r.base), -2.0 * double(i) / double(r.n_rot));
    if (r.factors) extrap /= r.factors[i];
    double theta = r.freq_scale * extrap;
    if (r.ext_factor != 0.0f) {
      const double ramp = 1.0 - std::clamp((double(i) - low) / std::max(0.001, high - low), 0.0, 1.0);
      const double mix = ramp * r.ext_factor;
      theta = theta * (1 - mix) + extrap * mix;
    }
    const float c = float(std::cos(theta) * mscale), s = float(std::sin(theta) * mscale);
    for (size_t h = 0; h < n_heads; ++h) {
      float* v = x + h * head_dim;
      const size_t a = r.layout == RopeLayout::Norm ? 2 * i : i, b = r.layout == RopeLayout::Norm ? 2 * i + 1 : i + half;
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

}  // namespace hart::tensor
