#include "vector/quantize.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace hart::vector {

#define HART_CODE_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

Int8Codes quantize_int8(const float* rows, size_t n, size_t dim) {
  Int8Codes c;
  c.dim = dim;
  float max_abs = 0;
  for (size_t i = 0; i < n * dim; ++i) max_abs = std::max(max_abs, std::fabs(rows[i]));
  c.scale = max_abs > 0 ? 127.0f / max_abs : 1.0f;
  c.codes.resize(n * dim);
  for (size_t i = 0; i < n * dim; ++i) c.codes[i] = static_cast<int8_t>(std::lround(rows[i] * c.scale));
  return c;
}

void quantize_int8_query(const Int8Codes& c, const float* q, int8_t* out) {
  for (size_t i = 0; i < c.dim; ++i)
    out[i] = static_cast<int8_t>(std::clamp<long>(std::lround(q[i] * c.scale), -127, 127));
}

HART_CODE_KERNEL int32_t int8_l2_squared(const int8_t* a, const int8_t* b, size_t n) {
  int32_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t d = int32_t{a[i]} - int32_t{b[i]};
    sum += d * d;
  }
  return sum;
}

HART_CODE_KERNEL int32_t int8_dot(const int8_t* a, const int8_t* b, size_t n) {
  int32_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += int32_t{a[i]} * int32_t{b[i]};
  return sum;
}

BinaryCodes binarize(const float* rows, size_t n, size_t dim) {
  BinaryCodes c;
  c.dim = dim;
  c.words = (dim + 63) / 64;
  c.mean.assign(dim, 0);
  std::vector<double> sum(dim, 0);
  for (size_t r = 0; r < n; ++r)
    for (size_t i = 0; i < dim; ++i) sum[i] += rows[r * dim + i];
  for (size_t i = 0; i < dim; ++i) c.mean[i] = n ? static_cast<float>(sum[i] / double(n)) : 0.0f;
  c.bits.assign(n * c.words, 0);
  for (size_t r = 0; r < n; ++r) binarize_query(c, rows + r * dim, c.bits.data() + r * c.words);
  return c;
}

void binarize_query(const BinaryCodes& c, const float* q, uint64_t* out) {
  std::fill(out, out + c.words, 0);
  for (size_t i = 0; i < c.dim; ++i)
    if (q[i] > c.mean[i]) out[i / 64] |= uint64_t{1} << (i % 64);
}

HART_CODE_KERNEL uint64_t hamming(const void* a_bytes, const void* b_bytes, size_t n) {
  const auto* a = static_cast<const uint8_t*>(a_bytes);
  const auto* b = static_cast<const uint8_t*>(b_bytes);
  uint64_t d = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    d += static_cast<uint64_t>(std::popcount(x ^ y));
  }
  for (; i < n; ++i) d += static_cast<uint64_t>(std::popcount(static_cast<unsigned>(a[i] ^ b[i])));
  return d;
}

}  // namespace hart::vector
