// Writing small TEXMEX files (.fvecs/.ivecs/.bvecs) for the vector tests.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace hart::vector::test {

// Records of `dim` values each from `values` (row after row), each led by its dimension.
template <typename T>
std::string vecs_bytes(const std::vector<T>& values, size_t dim) {
  std::string out;
  for (size_t i = 0; i < values.size(); i += dim) {
    int32_t d = static_cast<int32_t>(dim);
    out.append(reinterpret_cast<const char*>(&d), 4);
    out.append(reinterpret_cast<const char*>(values.data() + i), dim * sizeof(T));
  }
  return out;
}

}  // namespace hart::vector::test
