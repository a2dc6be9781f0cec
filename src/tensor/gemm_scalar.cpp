// The portable reference kernels: one output at a time, blocks decoded exactly as
// the GGML layouts define them (formats/quant_blocks.h), integer sums per block as
// the SIMD paths do, then scaled. Every SIMD path is tested against these.
#include <cstring>

#include "formats/quant_blocks.h"
#include "tensor/gemm_kernels.h"

namespace hart::tensor::detail {
namespace {

using namespace hart::quant;

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

float dot_f32(const uint8_t* w, const float* x, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += load<float>(w + 4 * i) * x[i];
  return s;
}

float dot_f16(const uint8_t* w, const float* x, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += f16_to_f32(load<uint16_t>(w + 2 * i)) * x[i];
  return s;
}

float dot_bf16(const uint8_t* w, const float* x, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += bf16_to_f32(load<uint16_t>(w + 2 * i)) * x[i];
  return s;
}

float dot_q8_0(const uint8_t* w, const int8_t* x, const float* xd, size_t n) {
  float s = 0;
  for (size_t b = 0; b < n / kQK; ++b) {
    const auto blk = load<BlockQ8_0>(w + b * sizeof(BlockQ8_0));
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += blk.qs[j] * x[b * kQK + j];
    s += f16_to_f32(blk.d) * xd[b] * static_cast<float>(isum);
  }
  return s;
}

float dot_q4_0(const uint8_t* w, const int8_t* x, const float* xd, size_t n) {
  float s = 0;
  for (size_t b = 0; b < n / kQK; ++b) {
    const auto blk = load<BlockQ4_0>(w + b * sizeof(BlockQ4_0));
    const int8_t* xb = x + b * kQK;
    int isum = 0;
    for (int j = 0; j < 16; ++j) isum += ((blk.qs[j] & 0xF) - 8) * xb[j] + ((blk.qs[j] >> 4) - 8) * xb[j + 16];
    s += f16_to_f32(blk.d) * xd[b] * static_cast<float>(isum);
  }
  return s;
}

// Q4_K: w = d * sc_j * q - dmin * m_j on sub-block j of 32; the two sums stay integer.
float dot_q4_k(const uint8_t* w, const int8_t* x, const float* xd, size_t n) {
  float s = 0;
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const auto blk = load<BlockQ4_K>(w + b * sizeof(BlockQ4_K));
    const int8_t* xb = x + b * kQK_K;
    int isum = 0, msum = 0;
    for (int c = 0; c < 4; ++c) {  // 32 bytes: low nibbles are sub-block 2c, high 2c+1
      int sc1, m1, sc2, m2, lo = 0, hi = 0, xlo = 0, xhi = 0;
      scale_min_k4(2 * c, blk.scales, &sc1, &m1);
      scale_min_k4(2 * c + 1, blk.scales, &sc2, &m2);
      for (int l = 0; l < 32; ++l) {
        lo += (blk.qs[32 * c + l] & 0xF) * xb[64 * c + l];
        hi += (blk.qs[32 * c + l] >> 4) * xb[64 * c + 32 + l];
        xlo += xb[64 * c + l];
        xhi += xb[64 * c + 32 + l];
      }
      isum += sc1 * lo + sc2 * hi;
      msum += m1 * xlo + m2 * xhi;
    }
    s += f16_to_f32(blk.d) * xd[b] * static_cast<float>(isum) - f16_to_f32(blk.dmin) * xd[b] * static_cast<float>(msum);
  }
  return s;
}

// Q6_K: w = d * sc_j * (q - 32) on sub-block j of 16 (j = element / 16).
float dot_q6_k(const uint8_t* w, const int8_t* x, const float* xd, size_t n) {
  float s = 0;
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const auto blk = load<BlockQ6_K>(w + b * sizeof(BlockQ6_K));
    int q[kQK_K];
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = blk.ql + 64 * half;
      const uint8_t* qh = blk.qh + 32 * half;
      int* o = q + 128 * half;
      for (int l = 0; l < 32; ++l) {
        o[l] = (ql[l] & 0xF) | ((qh[l] & 3) << 4);
        o[l + 32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
        o[l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
        o[l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
      }
    }
    const int8_t* xb = x + b * kQK_K;
    int isum = 0;
    for (int j = 0; j < 16; ++j) {
      int sub = 0;
      for (int l = 0; l < 16; ++l) sub += (q[16 * j + l] - 32) * xb[16 * j + l];
      isum += blk.scales[j] * sub;
    }
    s += f16_to_f32(blk.d) * xd[b] * static_cast<float>(isum);
  }
  return s;
}

using FloatDot = float (*)(const uint8_t*, const float*, size_t);
using QuantDot = float (*)(const uint8_t*, const int8_t*, const float*, size_t);

template <FloatDot F>
void float_block(const GemmArgs& g, size_t r0, size_t r1, size_t c0, size_t c1) {
  for (size_t r = r0; r < r1; ++r)
    for (size_t c = c0; c < c1; ++c) g.y[c * g.ldy + r] = F(g.w + r * g.row_bytes, g.a->f32 + c * g.cols, g.cols);
}

template <QuantDot F>
void quant_block(const GemmArgs& g, size_t r0, size_t r1, size_t c0, size_t c1) {
  const size_t nb = g.cols / act_block(g.a->format);
  for (size_t r = r0; r < r1; ++r)
    for (size_t c = c0; c < c1; ++c)
      g.y[c * g.ldy + r] = F(g.w + r * g.row_bytes, g.a->qs.data() + c * g.cols, g.a->d.data() + c * nb, g.cols);
}

}  // namespace

GemmBlockFn gemm_scalar(DType t) {
  switch (t) {
    case DType::F32: return float_block<dot_f32>;
    case DType::F16: return float_block<dot_f16>;
    case DType::BF16: return float_block<dot_bf16>;
    case DType::Q8_0: return quant_block<dot_q8_0>;
    case DType::Q4_0: return quant_block<dot_q4_0>;
    case DType::Q4_K: return quant_block<dot_q4_k>;
    case DType::Q6_K: return quant_block<dot_q6_k>;
    default: return nullptr;
  }
}

}  // namespace hart::tensor::detail
