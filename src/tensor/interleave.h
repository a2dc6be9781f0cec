// Q8_0, Q4_0 and Q4_K weights re-laid for the AVX-512 and AVX2 (with or without
// AVX-VNNI) kernels: 16 rows side by side, so one VPDPBUSD (or VPMADDUBSW + VPMADDWD)
// multiplies 4 elements of each of 16 rows (8 on 256 bits) by the same 4
// activations (broadcast) and the results land in the lanes of one register, with
// no horizontal sums and one vector of scales per block. Same size as the plain
// layout (llama.cpp repacks Q4_0 the same way at load for its AVX2 kernels).
//
// For each group of 16 rows and each block b (32 elements), in order:
//   16 f16 scales d (row 0..15), then chunks of 16 rows x 4 bytes:
//   Q8_0: 8 chunks; chunk g holds elements 4g..4g+3 of each row as q + 128 (unsigned)
//   Q4_0: 4 chunks; chunk g holds bytes 4g..4g+3 of each row's 16 packed bytes
//         (low nibbles: elements 4g..4g+3, high nibbles: elements 16+4g..16+4g+3)
//   Q4_K (256-element super-blocks, 16 x 144 bytes): 16 f16 d, 16 f16 dmin, then per
//         sub-block s (0..7) 24 bytes: 16 of (scale & 15) | (min & 15) << 4, one per
//         row, and 8 of the high bits, (scale >> 4) | (min >> 4) << 2, rows 2k and
//         2k + 1 in the low and high nibbles of byte k; then 32 chunks of 16 rows x 4
//         bytes, chunk 8h + g holding bytes 32h + 4g..4g+3 of each row's quants (low
//         nibbles: sub-block 2h, high: 2h + 1)
// A group takes exactly the 16 rows' plain bytes.
#pragma once
#include <cstddef>
#include <cstdint>

#include "formats/dtype.h"

namespace hart::tensor {

inline constexpr size_t kInterleaveRows = 16;

// Whether the kernels this CPU runs multiply `t` faster interleaved: Q8_0, Q4_0 or
// Q4_K, rows a non-zero multiple of 16, and a SIMD path (every one has such kernels, and
// on each they measured faster: src/tensor/README.md).
bool interleave_pays(DType t, size_t rows, size_t cols);

// Re-lays `rows` plain rows at `data` in place (Error unless Q8_0/Q4_0/Q4_K with rows
// a multiple of 16 and whole blocks).
void interleave(DType t, uint8_t* data, size_t rows, size_t cols);
// Writes plain row r of an interleaved tensor to `out` (dtype_row_bytes bytes).
void deinterleave_row(DType t, const uint8_t* data, size_t cols, size_t r, uint8_t* out);

}  // namespace hart::tensor
