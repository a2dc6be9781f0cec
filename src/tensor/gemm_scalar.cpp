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

// ---- the other 32-element types: w = d * q + m per block (m = 0 where the type has
// no min), q an integer; the dot is d dx sum(q x) + m dx sum(x).
struct Block32 {
  float d, m = 0.0f;
  int q[kQK];
};

template <class B>
void nibbles(const B& b, int* q) {
  for (int j = 0; j < 16; ++j) q[j] = b.qs[j] & 0xF, q[j + 16] = b.qs[j] >> 4;
}
template <class B>
void fifth_bits(const B& b, int* q) {  // bit j of qh is the fifth bit of element j
  uint32_t qh;
  std::memcpy(&qh, b.qh, 4);
  for (int j = 0; j < kQK; ++j) q[j] |= ((qh >> j) & 1) << 4;
}

Block32 q4_1(const uint8_t* p) {
  const auto b = load<BlockQ4_1>(p);
  Block32 o{f16_to_f32(b.d), f16_to_f32(b.m), {}};
  nibbles(b, o.q);
  return o;
}
Block32 q5_0(const uint8_t* p) {
  const auto b = load<BlockQ5_0>(p);
  Block32 o{f16_to_f32(b.d), 0.0f, {}};
  nibbles(b, o.q);
  fifth_bits(b, o.q);
  for (int& v : o.q) v -= 16;
  return o;
}
Block32 q5_1(const uint8_t* p) {
  const auto b = load<BlockQ5_1>(p);
  Block32 o{f16_to_f32(b.d), f16_to_f32(b.m), {}};
  nibbles(b, o.q);
  fifth_bits(b, o.q);
  return o;
}
Block32 iq4_nl(const uint8_t* p) {
  const auto b = load<BlockIQ4_NL>(p);
  Block32 o{f16_to_f32(b.d), 0.0f, {}};
  nibbles(b, o.q);
  for (int& v : o.q) v = kIq4nlValues[v];
  return o;
}

template <Block32 (*Unpack)(const uint8_t*), size_t kBytes>
float dot_block32(const uint8_t* w, const int8_t* x, const float* xd, size_t n) {
  float s = 0;
  for (size_t b = 0; b < n / kQK; ++b) {
    const Block32 blk = Unpack(w + b * kBytes);
    const int8_t* xb = x + b * kQK;
    int isum = 0, xsum = 0;
    for (int j = 0; j < kQK; ++j) isum += blk.q[j] * xb[j], xsum += xb[j];
    s += blk.d * xd[b] * static_cast<float>(isum);
    if (blk.m != 0.0f) s += blk.m * xd[b] * static_cast<float>(xsum);
  }
  return s;
}

// ---- the other 256-element types: sub-block g of 16 has w = d * sc_g * q - dmin * m_g
// (q an integer with any offset applied, m_g = 0 where the type has no mins).
struct Block256 {
  float d, dmin = 0.0f;
  int sc[16], mn[16] = {};
  int q[kQK_K];
};

// Q2_K / Q3_K: element e's 2 bits are at shift 2 * ((e % 128) / 32) of byte
// 32 * (e / 128) + e % 32; Q3_K's third bit is bit (4 * (e / 128) + (e % 128) / 32)
// of hmask[e % 32].
int plane_bits(const uint8_t* qs, int e) { return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3; }

Block256 q2_k(const uint8_t* p) {
  const auto b = load<BlockQ2_K>(p);
  Block256 o{f16_to_f32(b.d), f16_to_f32(b.dmin), {}, {}, {}};
  for (int g = 0; g < 16; ++g) o.sc[g] = b.scales[g] & 0xF, o.mn[g] = b.scales[g] >> 4;
  for (int e = 0; e < kQK_K; ++e) o.q[e] = plane_bits(b.qs, e);
  return o;
}
Block256 q3_k(const uint8_t* p) {
  const auto b = load<BlockQ3_K>(p);
  Block256 o{f16_to_f32(b.d), 0.0f, {}, {}, {}};
  for (int g = 0; g < 16; ++g) {
    const int lo = g < 8 ? b.scales[g] & 0xF : b.scales[g - 8] >> 4;
    const int hi = (b.scales[8 + g % 4] >> (2 * (g / 4))) & 3;
    o.sc[g] = (lo | hi << 4) - 32;
  }
  for (int e = 0; e < kQK_K; ++e) {
    const int high = (b.hmask[e % 32] >> (4 * (e / 128) + (e % 128) / 32)) & 1;
    o.q[e] = plane_bits(b.qs, e) - (high ? 0 : 4);
  }
  return o;
}
Block256 q5_k(const uint8_t* p) {
  const auto b = load<BlockQ5_K>(p);
  Block256 o{f16_to_f32(b.d), f16_to_f32(b.dmin), {}, {}, {}};
  for (int j = 0; j < 8; ++j) {  // sub-blocks of 32: both halves share a pair
    scale_min_k4(j, b.scales, &o.sc[2 * j], &o.mn[2 * j]);
    o.sc[2 * j + 1] = o.sc[2 * j], o.mn[2 * j + 1] = o.mn[2 * j];
  }
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) {
      o.q[64 * c + l] = (b.qs[32 * c + l] & 0xF) | (((b.qh[l] >> (2 * c)) & 1) << 4);
      o.q[64 * c + 32 + l] = (b.qs[32 * c + l] >> 4) | (((b.qh[l] >> (2 * c + 1)) & 1) << 4);
    }
  return o;
}
Block256 iq4_xs(const uint8_t* p) {
  const auto b = load<BlockIQ4_XS>(p);
  Block256 o{f16_to_f32(b.d), 0.0f, {}, {}, {}};
  for (int ib = 0; ib < 8; ++ib) {
    o.sc[2 * ib] = o.sc[2 * ib + 1] = iq4xs_scale(b, ib);
    for (int j = 0; j < 16; ++j) {
      o.q[32 * ib + j] = kIq4nlValues[b.qs[16 * ib + j] & 0xF];
      o.q[32 * ib + 16 + j] = kIq4nlValues[b.qs[16 * ib + j] >> 4];
    }
  }
  return o;
}

template <Block256 (*Unpack)(const uint8_t*), size_t kBytes>
float dot_block256(const uint8_t* w, const int8_t* x, const float* xd, size_t n) {
  float s = 0;
  for (size_t b = 0; b < n / kQK_K; ++b) {
    const Block256 blk = Unpack(w + b * kBytes);
    const int8_t* xb = x + b * kQK_K;
    int isum = 0, msum = 0;
    for (int g = 0; g < 16; ++g) {
      int sub = 0, xsum = 0;
      for (int l = 0; l < 16; ++l) sub += blk.q[16 * g + l] * xb[16 * g + l], xsum += xb[16 * g + l];
      isum += blk.sc[g] * sub;
      msum += blk.mn[g] * xsum;
    }
    s += blk.d * xd[b] * static_cast<float>(isum);
    if (blk.dmin != 0.0f) s -= blk.dmin * xd[b] * static_cast<float>(msum);
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

KernelTable scalar_kernels() {
  static constexpr KernelEntry k[] = {
      {DType::F32, float_block<dot_f32>},
      {DType::F16, float_block<dot_f16>},
      {DType::BF16, float_block<dot_bf16>},
      {DType::Q8_0, quant_block<dot_q8_0>},
      {DType::Q4_0, quant_block<dot_q4_0>},
      {DType::Q4_1, quant_block<dot_block32<q4_1, sizeof(BlockQ4_1)>>},
      {DType::Q5_0, quant_block<dot_block32<q5_0, sizeof(BlockQ5_0)>>},
      {DType::Q5_1, quant_block<dot_block32<q5_1, sizeof(BlockQ5_1)>>},
      {DType::IQ4_NL, quant_block<dot_block32<iq4_nl, sizeof(BlockIQ4_NL)>>},
      {DType::Q2_K, quant_block<dot_block256<q2_k, sizeof(BlockQ2_K)>>},
      {DType::Q3_K, quant_block<dot_block256<q3_k, sizeof(BlockQ3_K)>>},
      {DType::Q4_K, quant_block<dot_q4_k>},
      {DType::Q5_K, quant_block<dot_block256<q5_k, sizeof(BlockQ5_K)>>},
      {DType::Q6_K, quant_block<dot_q6_k>},
      {DType::IQ4_XS, quant_block<dot_block256<iq4_xs, sizeof(BlockIQ4_XS)>>},
  };
  return table_of(k);
}

}  // namespace hart::tensor::detail
