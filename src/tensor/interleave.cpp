#include "tensor/interleave.h"

#include <cstring>
#include <string>
#include <vector>

#include "tensor/cpu_path.h"
#include "util/error.h"

namespace hart::tensor {
namespace {

constexpr size_t kBlock = 32, kLanes = kInterleaveRows;

size_t block_bytes(DType t) { return t == DType::Q8_0 ? 34 : 18; }

void check(DType t, size_t rows, size_t cols) {
  if ((t != DType::Q8_0 && t != DType::Q4_0) || rows == 0 || rows % kLanes || cols == 0 || cols % kBlock)
    throw Error("interleave: " + std::to_string(rows) + "x" + std::to_string(cols) + " " + dtype_info(t).name +
                " cannot be interleaved (Q8_0 or Q4_0, rows a multiple of 16, whole blocks)");
}

size_t chunks(DType t) { return t == DType::Q8_0 ? 8 : 4; }
// Q8_0 quants are stored + 128 (flip of the sign bit): VPDPBUSD's unsigned operand.
uint8_t bias(DType t) { return t == DType::Q8_0 ? 0x80 : 0; }

// One row's plain block (34 or 18 bytes) into lane `lane` of an interleaved block.
void pack_block(DType t, const uint8_t* plain, uint8_t* inter, size_t lane) {
  std::memcpy(inter + 2 * lane, plain, 2);
  for (size_t g = 0; g < chunks(t); ++g)
    for (size_t i = 0; i < 4; ++i) inter[2 * kLanes + 4 * (kLanes * g + lane) + i] = plain[2 + 4 * g + i] ^ bias(t);
}

void unpack_block(DType t, const uint8_t* inter, uint8_t* plain, size_t lane) {
  std::memcpy(plain, inter + 2 * lane, 2);
  for (size_t g = 0; g < chunks(t); ++g)
    for (size_t i = 0; i < 4; ++i) plain[2 + 4 * g + i] = inter[2 * kLanes + 4 * (kLanes * g + lane) + i] ^ bias(t);
}

}  // namespace

bool interleave_pays(DType t, size_t rows, size_t cols) {
  return (t == DType::Q8_0 || t == DType::Q4_0) && rows > 0 && rows % kLanes == 0 && cols > 0 && cols % kBlock == 0 &&
         best_path() != Path::Scalar;
}

void interleave(DType t, uint8_t* data, size_t rows, size_t cols) {
  check(t, rows, cols);
  const size_t bb = block_bytes(t), nb = cols / kBlock, row_bytes = nb * bb, group = kLanes * row_bytes;
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
  const size_t bb = block_bytes(t), nb = cols / kBlock, row_bytes = nb * bb;
  const uint8_t* g = data + (r / kLanes) * kLanes * row_bytes;
  for (size_t b = 0; b < nb; ++b)
    unpack_block(t, g + b * kLanes * bb, out + b * bb, r % kLanes);
}

}  // namespace hart::tensor
