// Readers for the TEXMEX ANN benchmark formats: per vector an int32 dimension d, then
// d values: float32 (.fvecs), int32 (.ivecs, ground-truth ids), uint8 (.bvecs).
// Nothing in the file is trusted: every record must declare the first record's
// dimension (1..65536), the file must hold whole records, .fvecs values must be
// finite; errors name the file, the record and the problem.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace hart::vector {

template <typename T>
struct VecsData {
  size_t dim = 0, count = 0;
  std::vector<T> values;  // count rows of dim values
  const T* row(size_t i) const { return values.data() + i * dim; }
};

constexpr size_t kAllVectors = std::numeric_limits<size_t>::max();

// The first `max_vectors` records (all by default).
VecsData<float> read_fvecs(const std::string& path, size_t max_vectors = kAllVectors);
VecsData<int32_t> read_ivecs(const std::string& path, size_t max_vectors = kAllVectors);
VecsData<uint8_t> read_bvecs(const std::string& path, size_t max_vectors = kAllVectors);

// Values of any reader as float32.
template <typename T>
std::vector<float> to_float(const VecsData<T>& d) {
  return std::vector<float>(d.values.begin(), d.values.end());
}

}  // namespace hart::vector
