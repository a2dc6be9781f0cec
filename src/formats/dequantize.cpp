// dequantize() for every DType, with GGML's block formats decoded exactly as
// ggml-quants.c's dequantize_row_* do (same float operations in the same order, so
// results match GGML bit for bit), and quantize() for the few types tests write.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "formats/dtype.h"
#include "formats/half.h"
#include "formats/quant_blocks.h"
#include "util/error.h"

// Keep a*b-c as two roundings on every target (GCC fuses into FMA by default where
// the ISA has one), so results stay bit-identical to the goldens everywhere.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace hart {
namespace {

using namespace quant;

// Calls f(block, out) for each block, copying blocks out of possibly unaligned bytes.
template <class Block, int kElems, class F>
void each_block(const void* src, float* dst, size_t n_elems, F f) {
  auto s = static_cast<const unsigned char*>(src);
  for (size_t b = 0; b < n_elems / kElems; ++b) {
    Block blk;
    std::memcpy(&blk, s + b * sizeof(Block), sizeof(Block));
    f(blk, dst + b * kElems);
  }
}

template <class T>
void by_value(const void* src, float* dst, size_t n) {
  auto s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, s + i * sizeof(T), sizeof(T));
    dst[i] = static_cast<float>(v);
  }
}

void q4_0(const BlockQ4_0& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (int j = 0; j < 16; ++j) {
    y[j] = ((b.qs[j] & 0xF) - 8) * d;
    y[j + 16] = ((b.qs[j] >> 4) - 8) * d;
  }
}

void q4_1(const BlockQ4_1& b, float* y) {
  const float d = f16_to_f32(b.d), m = f16_to_f32(b.m);
  for (int j = 0; j < 16; ++j) {
    y[j] = (b.qs[j] & 0xF) * d + m;
    y[j + 16] = (b.qs[j] >> 4) * d + m;
  }
}

// Bit j of qh is the fifth bit of element j (0..31).
void q5_0(const BlockQ5_0& b, float* y) {
  const float d = f16_to_f32(b.d);
  uint32_t qh;
  std::memcpy(&qh, b.qh, 4);
  for (int j = 0; j < 16; ++j) {
    int hi0 = ((qh >> j) & 1) << 4, hi1 = ((qh >> (j + 16)) & 1) << 4;
    y[j] = (((b.qs[j] & 0xF) | hi0) - 16) * d;
    y[j + 16] = (((b.qs[j] >> 4) | hi1) - 16) * d;
  }
}

void q5_1(const BlockQ5_1& b, float* y) {
  const float d = f16_to_f32(b.d), m = f16_to_f32(b.m);
  uint32_t qh;
  std::memcpy(&qh, b.qh, 4);
  for (int j = 0; j < 16; ++j) {
    int hi0 = ((qh >> j) & 1) << 4, hi1 = ((qh >> (j + 16)) & 1) << 4;
    y[j] = ((b.qs[j] & 0xF) | hi0) * d + m;
    y[j + 16] = ((b.qs[j] >> 4) | hi1) * d + m;
  }
}

void q8_0(const BlockQ8_0& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (int j = 0; j < 32; ++j) y[j] = b.qs[j] * d;
}

void q8_1(const BlockQ8_1& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (int j = 0; j < 32; ++j) y[j] = b.qs[j] * d;
}

// Output runs in 2 halves of 128; within a half, 2-bit plane `p` of q[0..31] gives
// sub-blocks 2p (q[0..15]) and 2p+1 (q[16..31]).
void q2_k(const BlockQ2_K& b, float* y) {
  const float d = f16_to_f32(b.d), dmin = f16_to_f32(b.dmin);
  int is = 0;
  for (int half = 0; half < 2; ++half) {
    const uint8_t* q = b.qs + 32 * half;
    for (int shift = 0; shift < 8; shift += 2) {
      for (int part = 0; part < 2; ++part, ++is) {
        const float dl = d * (b.scales[is] & 0xF), ml = dmin * (b.scales[is] >> 4);
        for (int l = 0; l < 16; ++l) *y++ = dl * ((q[l + 16 * part] >> shift) & 3) - ml;
      }
    }
  }
}

// Scale i (6 bits, stored +32): low nibble from byte i (i < 8) or the high nibble of
// byte i-8; the top 2 bits from byte 8 + i%4 at bit 2*(i/4).
void q3_k(const BlockQ3_K& b, float* y) {
  const float d = f16_to_f32(b.d);
  int scale[16];
  for (int i = 0; i < 16; ++i) {
    int lo = i < 8 ? b.scales[i] & 0xF : b.scales[i - 8] >> 4;
    int hi = (b.scales[8 + i % 4] >> (2 * (i / 4))) & 3;
    scale[i] = (lo | hi << 4) - 32;
  }
  int is = 0;
  uint8_t m = 1;  // hmask bit for the current plane
  for (int half = 0; half < 2; ++half) {
    const uint8_t* q = b.qs + 32 * half;
    for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
      for (int part = 0; part < 2; ++part, ++is) {
        const float dl = d * scale[is];
        for (int l = 0; l < 16; ++l) {
          int k = l + 16 * part;
          *y++ = dl * (((q[k] >> shift) & 3) - ((b.hmask[k] & m) ? 0 : 4));
        }
      }
    }
  }
}

void q4_k(const BlockQ4_K& b, float* y) {
  const float d = f16_to_f32(b.d), dmin = f16_to_f32(b.dmin);
  for (int c = 0; c < 4; ++c) {  // 64 outputs per 32 bytes: low nibbles, then high
    const uint8_t* q = b.qs + 32 * c;
    int sc, mn;
    scale_min_k4(2 * c, b.scales, &sc, &mn);
    const float d1 = d * sc, m1 = dmin * mn;
    scale_min_k4(2 * c + 1, b.scales, &sc, &mn);
    const float d2 = d * sc, m2 = dmin * mn;
    for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
  }
}

// Like Q4_K; bits 2c and 2c+1 of qh[l] are the fifth bits.
void q5_k(const BlockQ5_K& b, float* y) {
  const float d = f16_to_f32(b.d), dmin = f16_to_f32(b.dmin);
  for (int c = 0; c < 4; ++c) {
    const uint8_t* q = b.qs + 32 * c;
    int sc, mn;
    scale_min_k4(2 * c, b.scales, &sc, &mn);
    const float d1 = d * sc, m1 = dmin * mn;
    scale_min_k4(2 * c + 1, b.scales, &sc, &mn);
    const float d2 = d * sc, m2 = dmin * mn;
    for (int l = 0; l < 32; ++l) *y++ = d1 * ((q[l] & 0xF) + (((b.qh[l] >> (2 * c)) & 1) << 4)) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * ((q[l] >> 4) + (((b.qh[l] >> (2 * c + 1)) & 1) << 4)) - m2;
  }
}

// Per 128 outputs: 64 ql bytes (low nibbles) and 32 qh bytes (4 x 2 high bits).
void q6_k(const BlockQ6_K& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (int half = 0; half < 2; ++half, y += 128) {
    const uint8_t* ql = b.ql + 64 * half;
    const uint8_t* qh = b.qh + 32 * half;
    const int8_t* sc = b.scales + 8 * half;
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
      int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
  }
}

void iq4_nl(const BlockIQ4_NL& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (int j = 0; j < 16; ++j) {
    y[j] = d * kIq4nlValues[b.qs[j] & 0xF];
    y[j + 16] = d * kIq4nlValues[b.qs[j] >> 4];
  }
}

void iq4_xs(const BlockIQ4_XS& b, float* y) {
  const float d = f16_to_f32(b.d);
  for (int ib = 0; ib < 8; ++ib, y += 32) {
    const float dl = d * iq4xs_scale(b, ib);
    const uint8_t* qs = b.qs + 16 * ib;
    for (int j = 0; j < 16; ++j) {
      y[j] = dl * kIq4nlValues[qs[j] & 0xF];
      y[j + 16] = dl * kIq4nlValues[qs[j] >> 4];
    }
  }
}

void q8_k(const BlockQ8_K& b, float* y) {
  for (int j = 0; j < kQK_K; ++j) y[j] = b.d * b.qs[j];
}

// GGML's quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d).
void quantize_q8_0(const float* x, BlockQ8_0& b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = f32_to_f16(d);
  for (int j = 0; j < 32; ++j) b.qs[j] = static_cast<int8_t>(std::roundf(x[j] * id));
}

// GGML's quantize_row_q4_0_ref: d = (signed value of largest magnitude) / -8.
void quantize_q4_0(const float* x, BlockQ4_0& b) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j)
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  b.d = f32_to_f16(d);
  for (int j = 0; j < 16; ++j) {
    int lo = std::min(15, int(static_cast<int8_t>(x[j] * id + 8.5f)));
    int hi = std::min(15, int(static_cast<int8_t>(x[j + 16] * id + 8.5f)));
    b.qs[j] = static_cast<uint8_t>(lo | hi << 4);
  }
}

template <class Block, int kElems, class F>
void quantize_blocks(const float* src, void* dst, size_t n_elems, F f) {
  auto out = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n_elems / kElems; ++i) {
    Block b;
    f(src + i * kElems, b);
    std::memcpy(out + i * sizeof(Block), &b, sizeof(Block));
  }
}

template <class T, class F>
void store_each(const float* src, void* dst, size_t n, F f) {
  auto out = static_cast<unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) {
    T v = f(src[i]);
    std::memcpy(out + i * sizeof(T), &v, sizeof(T));
  }
}

void check_whole_blocks(const char* what, DType t, size_t n_elems) {
  const DTypeInfo& info = dtype_info(t);
  if (info.type != t) throw Error(std::string(what) + ": unknown element type id " +
                                  std::to_string(static_cast<uint32_t>(t)));
  if (n_elems % info.block_elems)
    throw Error(std::string(what) + ": " + std::to_string(n_elems) + " elements of " + info.name +
                " is not a whole number of " + std::to_string(info.block_elems) + "-element blocks");
}

}  // namespace

void dequantize(DType t, const void* src, float* dst, size_t n) {
  check_whole_blocks("dequantize", t, n);
  switch (t) {
    case DType::F32: std::memcpy(dst, src, n * sizeof(float)); return;
    case DType::F16: half::f16_to_f32_row(src, dst, n); return;
    case DType::BF16: half::bf16_to_f32_row(src, dst, n); return;
    case DType::F64: return by_value<double>(src, dst, n);
    case DType::I8: return by_value<int8_t>(src, dst, n);
    case DType::I16: return by_value<int16_t>(src, dst, n);
    case DType::I32: return by_value<int32_t>(src, dst, n);
    case DType::I64: return by_value<int64_t>(src, dst, n);
    case DType::U8: return by_value<uint8_t>(src, dst, n);
    case DType::U16: return by_value<uint16_t>(src, dst, n);
    case DType::U32: return by_value<uint32_t>(src, dst, n);
    case DType::U64: return by_value<uint64_t>(src, dst, n);
    case DType::BOOL: {  // any nonzero byte is true
      auto s = static_cast<const unsigned char*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = s[i] ? 1.0f : 0.0f;
      return;
    }
    case DType::Q4_0: return each_block<BlockQ4_0, kQK>(src, dst, n, q4_0);
    case DType::Q4_1: return each_block<BlockQ4_1, kQK>(src, dst, n, q4_1);
    case DType::Q5_0: return each_block<BlockQ5_0, kQK>(src, dst, n, q5_0);
    case DType::Q5_1: return each_block<BlockQ5_1, kQK>(src, dst, n, q5_1);
    case DType::Q8_0: return each_block<BlockQ8_0, kQK>(src, dst, n, q8_0);
    case DType::Q8_1: return each_block<BlockQ8_1, kQK>(src, dst, n, q8_1);
    case DType::Q2_K: return each_block<BlockQ2_K, kQK_K>(src, dst, n, q2_k);
    case DType::Q3_K: return each_block<BlockQ3_K, kQK_K>(src, dst, n, q3_k);
    case DType::Q4_K: return each_block<BlockQ4_K, kQK_K>(src, dst, n, q4_k);
    case DType::Q5_K: return each_block<BlockQ5_K, kQK_K>(src, dst, n, q5_k);
    case DType::Q6_K: return each_block<BlockQ6_K, kQK_K>(src, dst, n, q6_k);
    case DType::Q8_K: return each_block<BlockQ8_K, kQK_K>(src, dst, n, q8_k);
    case DType::IQ4_NL: return each_block<BlockIQ4_NL, kQK>(src, dst, n, iq4_nl);
    case DType::IQ4_XS: return each_block<BlockIQ4_XS, kQK_K>(src, dst, n, iq4_xs);
  }
  throw Error(std::string("dequantize: no decoder for element type ") + dtype_info(t).name);
}

void quantize(DType t, const float* src, void* dst, size_t n) {
  check_whole_blocks("quantize", t, n);
  switch (t) {
    case DType::F32: std::memcpy(dst, src, n * sizeof(float)); return;
    case DType::F16: return store_each<uint16_t>(src, dst, n, f32_to_f16);
    case DType::BF16: return store_each<uint16_t>(src, dst, n, f32_to_bf16);
    case DType::Q8_0: return quantize_blocks<BlockQ8_0, kQK>(src, dst, n, quantize_q8_0);
    case DType::Q4_0: return quantize_blocks<BlockQ4_0, kQK>(src, dst, n, quantize_q4_0);
    default:
      throw Error(std::string("quantize: no quantizer for element type ") + dtype_info(t).name +
                  " (supported: F32, F16, BF16, Q8_0, Q4_0)");
  }
}

}  // namespace hart
