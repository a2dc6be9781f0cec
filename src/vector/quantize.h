// Compact codes for a first, cheap pass over many vectors, re-scored exactly after:
//   int8:   every value scaled by one factor (127 / the largest |value|) and rounded,
//           so squared L2 and dot products of codes are those of the vectors, scaled
//           (4× less memory to read than float32);
//   binary: one bit per dimension, set when the value is above that dimension's mean,
//           compared by hamming distance (32× less).
// The code kernels are compiled for x86-64-v4 (AVX-512), v3 (AVX2) and the baseline; the CPU
// picks one when the program loads (GCC's target_clones).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hart::vector {

struct Int8Codes {
  size_t dim = 0;
  float scale = 1;  // code = round(value * scale)
  std::vector<int8_t> codes;  // n rows of dim
  const int8_t* row(size_t i) const { return codes.data() + i * dim; }
};

Int8Codes quantize_int8(const float* rows, size_t n, size_t dim);
void quantize_int8_query(const Int8Codes& c, const float* q, int8_t* out);  // clamped to ±127
int32_t int8_l2_squared(const int8_t* a, const int8_t* b, size_t n);
int32_t int8_dot(const int8_t* a, const int8_t* b, size_t n);

struct BinaryCodes {
  size_t dim = 0, words = 0;  // words: 64-bit words per row
  std::vector<float> mean;    // per dimension
  std::vector<uint64_t> bits;
  const uint64_t* row(size_t i) const { return bits.data() + i * words; }
};

BinaryCodes binarize(const float* rows, size_t n, size_t dim);
void binarize_query(const BinaryCodes& c, const float* q, uint64_t* out);
// Bits that differ between n bytes at a and at b: the distance of bit vectors and of
// binary codes alike.
uint64_t hamming(const void* a, const void* b, size_t n_bytes);

}  // namespace hart::vector
