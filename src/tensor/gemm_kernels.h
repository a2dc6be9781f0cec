// Internal: the per-path block kernels behind matmul.h. A block kernel computes
// y[c * ldy + r] = dot(weight row r, activation row c) for r in [r0, r1), c in
// [c0, c1). Each output is accumulated by the same sequence of operations whatever
// the block bounds or tile shape, so results never depend on how work is split.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "formats/dtype.h"
#include "tensor/activations.h"
#include "tensor/cpu_path.h"

namespace hart::tensor::detail {

struct GemmArgs {
  const uint8_t* w;   // weight rows, row_bytes apart, any byte alignment
  size_t row_bytes;
  size_t cols;
  const Activations* a;
  float* y;
  size_t ldy;
};

using GemmBlockFn = void (*)(const GemmArgs&, size_t r0, size_t r1, size_t c0, size_t c1);

// One path's kernels: an entry per weight type it runs. Adding a type is an entry
// in activations.cpp's table (its activation form) and one in each path's table.
struct KernelEntry {
  DType type;
  GemmBlockFn fn;
};
struct KernelTable {
  const KernelEntry* begin;
  const KernelEntry* end;
  GemmBlockFn find(DType t) const {  // nullptr when the type has no kernel here
    for (const KernelEntry* e = begin; e != end; ++e)
      if (e->type == t) return e->fn;
    return nullptr;
  }
};
template <size_t N>
constexpr KernelTable table_of(const KernelEntry (&e)[N]) { return {e, e + N}; }

KernelTable scalar_kernels();
KernelTable avx2_kernels();    // empty off x86
KernelTable avx2_vnni_kernels();
KernelTable avx512_kernels();
// For weights in interleave.h's layout; r0 and r1 multiples of 16.
KernelTable avx512_interleaved_kernels();
KernelTable avx2_vnni_interleaved_kernels();
KernelTable avx2_interleaved_kernels();

// The quantized activation rows c..c+NC-1: quants, per-`block` scales and per-`group` sums.
template <int NC>
struct QuantRows {
  const int8_t* q[NC];
  const float* d[NC];
  const int16_t* s[NC];
  QuantRows(const GemmArgs& g, size_t c, size_t block, size_t group) {
    const Activations& a = *g.a;
    HART_UNROLL for (int j = 0; j < NC; ++j) {
      q[j] = a.qs.data() + (c + j) * g.cols;
      d[j] = a.d.data() + (c + j) * (g.cols / block);
      s[j] = a.sums.data() + (c + j) * (g.cols / group);
    }
  }
};

// The 8 6-bit scales (bytes 0..7) and mins (bytes 8..15) of a Q4_K block, unpacked
// as GGML's get_scale_min_k4 defines them, four bytes at a time.
inline void q4k_scales(const uint8_t* packed, uint32_t u[4]) {
  constexpr uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
  std::memcpy(u, packed, 12);
  u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
  const uint32_t mins_lo = u[1] & k1;
  u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
  u[2] = mins_lo;
  u[0] &= k1;
}

// Walks a block in tiles of K::R weight rows x K::C activation rows (edges in
// tiles of 1); K::tile<R, C>(g, r, c) computes one tile.
template <class K, int R>
void drive_cols(const GemmArgs& g, size_t r, size_t c0, size_t c1) {
  size_t c = c0;
  for (; c + K::C <= c1; c += K::C) K::template tile<R, K::C>(g, r, c);
  for (; c < c1; ++c) K::template tile<R, 1>(g, r, c);
}

template <class K>
void drive(const GemmArgs& g, size_t r0, size_t r1, size_t c0, size_t c1) {
  size_t r = r0;
  for (; r + K::R <= r1; r += K::R) drive_cols<K, K::R>(g, r, c0, c1);
  for (; r < r1; ++r) drive_cols<K, 1>(g, r, c0, c1);
}

}  // namespace hart::tensor::detail
