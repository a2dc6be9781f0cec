#include "util/cpu_features.h"

#include <gtest/gtest.h>

namespace hart {
namespace {

TEST(CpuFeatures, AskedOnceAndConsistent) {
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(&f, &cpu_features());
  // Every AVX-512 extension implies the foundation, and AVX-512F CPUs have AVX2.
  if (f.avx512bw || f.avx512vl || f.avx512dq || f.avx512vnni) {
    EXPECT_TRUE(f.avx512f);
  }
  if (f.avx512f) {
    EXPECT_TRUE(f.avx2);
  }
#if !defined(__x86_64__) && !defined(__i386__)
  EXPECT_FALSE(f.avx2 || f.avx512f);
#endif
}

TEST(SimdPath, NamesAndTheWidestAcceptedPath) {
  EXPECT_STREQ(simd_path_name(SimdPath::Scalar), "scalar");
  EXPECT_STREQ(simd_path_name(SimdPath::Avx2), "avx2");
  EXPECT_STREQ(simd_path_name(SimdPath::Avx512), "avx512");
  EXPECT_EQ(widest_path([](SimdPath) { return true; }), SimdPath::Avx512);
  EXPECT_EQ(widest_path([](SimdPath p) { return p != SimdPath::Avx512; }), SimdPath::Avx2);
  EXPECT_EQ(widest_path([](SimdPath p) { return p == SimdPath::Avx512; }), SimdPath::Avx512);
  EXPECT_EQ(widest_path([](SimdPath) { return false; }), SimdPath::Scalar);
}

}  // namespace
}  // namespace hart
