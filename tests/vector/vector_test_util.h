// Shared by the vector tests: the kernel paths this CPU runs, the message of an
// expected error, and small TEXMEX files (.fvecs/.ivecs/.bvecs).
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "util/cpu_features.h"
#include "vector/distance.h"

namespace hart::vector::test {

// The paths this CPU runs; the others are named on stdout so a skipped path is visible.
inline std::vector<SimdPath> runnable_paths() {
  std::vector<SimdPath> out;
  for (SimdPath p : {SimdPath::Scalar, SimdPath::Avx2, SimdPath::Avx512}) {
    if (kernel_supported(p)) out.push_back(p);
    else std::printf("NOTE: this CPU cannot run the %s distance kernels; not tested here\n", simd_path_name(p));
  }
  return out;
}

// The message of the E that f() throws (failing the test when it throws none).
template <typename E, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

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
