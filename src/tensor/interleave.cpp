#include "tensor/interleave.h"

#include <cstring>
#include <string>
#include <vector>

#include "tensor/cpu_path.h"
#include "tensor/gemm_kernels.h"
#include "util/error.h"

namespace hart::tensor {
namespace {

constexpr size_t kLanes = kInterleaveRows;

bool interleavable(DType t) { return t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q4_K; }
size_t block_elems(DType t) { return t == DType::Q4_K ? 256 : 32; }
size_t block_bytes(DType t) { return t == DType::Q8_0 ? 34 : t == DType::Q4_0 ? 18 : 144; }

void check(DType t, size_t rows, size_t cols) {
  if (!interleavable(t) || rows == 0 || rows % kLanes || cols == 0 || cols % block_elems(t))
    throw Error("interleave: " + std::to_string(rows) + "x" + std::to_string(cols) + " " + dtype_info(t).name +
                " cannot be interleaved (Q8_0, Q4_0 or Q4_K, rows a multiple of 16, whole blocks)");
}

// Q4_K (interleave.h): d, dmin, then per sub-block 16 bytes of low bits and 8 of high
// bits of the rows' 6-bit scales and mins, then the quants in chunks of 16 rows x 4.
constexpr size_t kQ4KScales = 64, kQ4KQuants = 256;

void pack_q4_k(const uint8_t* plain, uint8_t* inter, size_t lane) {
  std::memcpy(inter + 2 * lane, plain, 2);
  std::memcpy(inter + 32 + 2 * lane, plain + 2, 2);
  uint32_t u[4];
  detail::q4k_scales(plain + 4, u);
  uint8_t sm[16];  // scales 0..7, mins 8..15
  std::memcpy(sm, u, 16);
  for (size_t s = 0; s < 8; ++s) {
    uint8_t* at = inter + kQ4KScales + 24 * s;
    const uint8_t sc = sm[s], mn = sm[8 + s];
    at[lane] = static_cast<uint8_t>((sc & 0xF) | (mn & 0xF) << 4);
    const uint8_t high = static_cast<uint8_t>(sc >> 4 | (mn >> 4) << 2);
    at[16 + lane / 2] = static_cast<uint8_t>((at[16 + lane / 2] & (lane % 2 ? 0x0F : 0xF0)) | high << (4 * (lane % 2)));
  }
  for (size_t c = 0; c < 32; ++c)  // chunk c = 8h + g: bytes 32h + 4g.. of the row
    std::memcpy(inter + kQ4KQuants + 64 * c + 4 * lane, plain + 16 + 4 * c, 4);
}

void unpack_q4_k(const uint8_t* inter, uint8_t* plain, size_t lane) {
  std::memcpy(plain, inter + 2 * lane, 2);
  std::memcpy(plain + 2, inter + 32 + 2 * lane, 2);
  uint8_t sc[8], mn[8];
  for (size_t s = 0; s < 8; ++s) {
    const uint8_t* at = inter + kQ4KScales + 24 * s;
    const uint8_t high = (at[16 + lane / 2] >> (4 * (lane % 2))) & 0xF;
    sc[s] = static_cast<uint8_t>((at[lane] & 0xF) | (high & 3) << 4);
    mn[s] = static_cast<uint8_t>((at[lane] >> 4) | (high >> 2) << 4);
  }
  uint8_t* q = plain + 4;  // GGML's packing (get_scale_min_k4 read backwards)
  for (size_t j = 0; j < 4; ++j) {
    q[j] = static_cast<uint8_t>(sc[j] | (sc[j + 4] >> 4) << 6);
    q[j + 4] = static_cast<uint8_t>(mn[j] | (mn[j + 4] >> 4) << 6);
    q[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0xF) | (mn[j + 4] & 0xF) << 4);
  }
  for (size_t c = 0; c < 32; ++c) std::memcpy(plain + 16 + 4 * c, inter + kQ4KQuants + 64 * c + 4 * lane, 4);
}

size_t chunks(DType t) { return t == DType::Q8_0 ? 8 : 4; }
// Q8_0 quants are stored + 128 (flip of the sign bit): VPDPBUSD's unsigned operand.
uint8_t bias(DType t) { return t == DType::Q8_0 ? 0x80 : 0; }

// One row's plain block (34, 18 or 144 bytes) into lane `lane` of an interleaved block.
void pack_block(DType t, const uint8_t* plain, uint8_t* inter, size_t lane) {
  if (t == DType::Q4_K) return pack_q4_k(plain, inter, lane);
  std::memcpy(inter + 2 * lane, plain, 2);
  for (size_t g = 0; g < chunks(t); ++g)
    for (size_t i = 0; i < 4; ++i) inter[2 * kLanes + 4 * (kLanes * g + lane) + i] = plain[2 + 4 * g + i] ^ bias(t);
}

void unpack_block(DType t, const uint8_t* inter, uint8_t* plain, size_t lane) {
  if (t == DType::Q4_K) return unpack_q4_k(inter, plain, lane);
  std::memcpy(plain, inter + 2 * lane, 2);
  for (size_t g = 0; g < chunks(t); ++g)
    for (size_t i = 0; i < 4; ++i) plain[2 + 4 * g + i] = inter[2 * kLanes + 4 * (kLanes * g + lane) + i] ^ bias(t);
}

}  // namespace

bool interleave_pays(DType t, size_t rows, size_t cols) {
  return interleavable(t) && rows > 0 && rows % kLanes == 0 && cols > 0 && cols % block_elems(t) == 0 &&
         best_path() != Path::Scalar;
}

void interleave(DType t, uint8_t* data, size_t rows, size_t cols) {
  check(t, rows, cols);
  const size_t bb = block_bytes(t), nb = cols / block_elems(t), row_bytes = nb * bb, group = kLanes * row_bytes;
  std::vector<uint8_t> plain(group);
  for (size_t r0 = 0; r0 < rows; r0 += kLanes) {
    uint8_t* g = data + r0 * row_bytes;
    std::memcpy(plain.data(), g, group);
    for (size_t b = 0; b < nb; ++b)
      for (size_t lane = 0; lane < kLanes; ++lane)
        pack_block(t, plain.data() + lane * row_bytes + b * bb, g + b * kLanes * bb, lane);
  }
}

void deinterleave_row(DType t, const uint8_t* data, size_t cols, size_t r, uint8_t* out) {
  check(t, kLanes, cols);
  const size_t bb = block_bytes(t), nb = cols / block_elems(t), row_bytes = nb * bb;
  const uint8_t* g = data + (r / kLanes) * kLanes * row_bytes;
  for (size_t b = 0; b < nb; ++b)
    unpack_block(t, g + b * kLanes * bb, out + b * bb, r % kLanes);
}

}  // namespace hart::tensor
