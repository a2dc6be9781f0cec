// The vectorised summary equals the scalar reference: exactly for ranges and counts,
// to float-summation tolerance for sums.
#include <cmath>
#include <random>

#include "store/value_summary.h"
#include "support/test_support.h"

namespace hart::test {
namespace {

TEST(ValueSummary, SimdMatchesScalarOnAwkwardData) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t n : {0u, 1u, 7u, 8u, 255u, 256u, 257u, 1000u, 4096u, 32771u}) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) {
      switch (rng() % 16) {
        case 0: v[i] = NAN; break;
        case 1: v[i] = 0.0f; break;
        case 2: v[i] = -0.0f; break;
        case 3: v[i] = normal(rng) * 1e4f; break;
        default: v[i] = normal(rng);
      }
    }
    ValueSummary fa = summarize(v.data(), n, true), fb = summarize(v.data(), n, false);
    // Float partial sums in another order: relative to the magnitudes summed.
    EXPECT_NEAR(fa.sum, fb.sum, 1e-6 * fb.sum_abs + 1e-9) << n;
    EXPECT_NEAR(fa.sum_abs, fb.sum_abs, 1e-6 * fb.sum_abs + 1e-9) << n;
    EXPECT_NEAR(fa.sum_sq, fb.sum_sq, 1e-6 * fb.sum_sq + 1e-9) << n;
    if (n > 10) v[n / 2] = -INFINITY;
    ValueSummary a = summarize(v.data(), n, true), b = summarize(v.data(), n, false);
    EXPECT_EQ(a.count, n);
    EXPECT_EQ(a.nans, b.nans) << n;
    EXPECT_EQ(a.zeros, b.zeros) << n;
    EXPECT_EQ(a.min, b.min) << n;
    EXPECT_EQ(a.max, b.max) << n;
    EXPECT_EQ(a.min_abs, b.min_abs) << n;
    EXPECT_EQ(a.max_abs, b.max_abs) << n;
  }
}

TEST(ValueSummary, StatisticsOfKnownValues) {
  std::vector<float> v = {1, 2, 3, 4, NAN, 0, -6};
  for (bool simd : {true, false}) {
    ValueSummary s = summarize(v.data(), v.size(), simd);
    EXPECT_EQ(s.count, 7u);
    EXPECT_EQ(s.nans, 1u);
    EXPECT_EQ(s.zeros, 1u);
    EXPECT_EQ(s.min, -6);
    EXPECT_EQ(s.max, 4);
    EXPECT_EQ(s.min_abs, 0);
    EXPECT_EQ(s.max_abs, 6);
    EXPECT_DOUBLE_EQ(s.mean(), 4.0 / 6);
    EXPECT_DOUBLE_EQ(s.stddev(), std::sqrt(66.0 / 6 - (4.0 / 6) * (4.0 / 6)));
  }
}

TEST(ValueSummary, AllNanHasNoValues) {
  std::vector<float> v(300, NAN);
  ValueSummary s = summarize(v.data(), v.size());
  EXPECT_FALSE(s.has_values());
  EXPECT_EQ(s.nans, 300u);
}

}  // namespace
}  // namespace hart::test
