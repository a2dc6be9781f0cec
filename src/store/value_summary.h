// One pass over dequantized values: the zone map of a chunk (value and |value|
// range) and the running statistics of a tensor. NaNs are counted, never compared.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>

namespace hart {

struct ValueSummary {
  uint64_t count = 0;  // values seen, NaN included
  uint64_t nans = 0;
  uint64_t zeros = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double min_abs = std::numeric_limits<double>::infinity();
  double max_abs = 0;
  double sum = 0, sum_sq = 0, sum_abs = 0;

  bool has_values() const { return count > nans; }
  void merge(const ValueSummary& o);
  double mean() const;
  double stddev() const;  // population standard deviation
};

// Uses AVX2 when the CPU has it (chosen at run time); allow_simd = false forces the
// scalar reference, which tests compare against. Sums may differ in the last bits
// between the two (float partial sums in another order); min, max and counts do not.
ValueSummary summarize(const float* values, size_t n, bool allow_simd = true);

}  // namespace hart
