#include "vector/vecs_reader.h"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "util/error.h"
#include "util/mapped_file.h"

namespace hart::vector {
namespace {

constexpr int32_t kMaxVecsDim = 65536;

template <typename T>
VecsData<T> read_vecs(const std::string& path, size_t max_vectors, const char* format) {
  MappedFile file(path);
  const size_t size = file.size();
  const std::string what = path + " (" + format + ")";
  if (size < 4) throw FormatError(what + ": " + std::to_string(size) + " bytes, too short for a first record");
  int32_t dim;
  std::memcpy(&dim, file.data(), 4);
  if (dim < 1 || dim > kMaxVecsDim)
    throw FormatError(what + ": the first record declares dimension " + std::to_string(dim) + ", outside 1.." +
                      std::to_string(kMaxVecsDim) + " (not a " + format + " file?)");
  const size_t record = 4 + static_cast<size_t>(dim) * sizeof(T);
  if (size % record != 0)
    throw FormatError(what + ": truncated or not a " + format + " file: " + std::to_string(size) +
                      " bytes is not a whole number of " + std::to_string(record) + "-byte records (dimension " +
                      std::to_string(dim) + "); the last record has " + std::to_string(size % record) + " bytes");
  VecsData<T> out;
  out.dim = static_cast<size_t>(dim);
  out.count = std::min(size / record, max_vectors);
  out.values.resize(out.count * out.dim);
  for (size_t i = 0; i < out.count; ++i) {
    const uint8_t* rec = file.data() + i * record;
    int32_t d;
    std::memcpy(&d, rec, 4);
    if (d != dim)
      throw FormatError(what + ": record " + std::to_string(i) + " declares dimension " + std::to_string(d) +
                        ", the first record " + std::to_string(dim));
    T* row = out.values.data() + i * out.dim;
    std::memcpy(row, rec + 4, out.dim * sizeof(T));
    if constexpr (std::is_floating_point_v<T>) {
      for (size_t j = 0; j < out.dim; ++j)
        if (!std::isfinite(row[j]))
          throw FormatError(what + ": record " + std::to_string(i) + " value " + std::to_string(j) + " is not finite");
    }
  }
  return out;
}

}  // namespace

VecsData<float> read_fvecs(const std::string& path, size_t max_vectors) {
  return read_vecs<float>(path, max_vectors, ".fvecs");
}
VecsData<int32_t> read_ivecs(const std::string& path, size_t max_vectors) {
  return read_vecs<int32_t>(path, max_vectors, ".ivecs");
}
VecsData<uint8_t> read_bvecs(const std::string& path, size_t max_vectors) {
  return read_vecs<uint8_t>(path, max_vectors, ".bvecs");
}

}  // namespace hart::vector
