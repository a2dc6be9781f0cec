#include "tensor/activations.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tensor/kernel_data.h"

namespace hart::tensor {
namespace {

// Each element is within half a step (d/2, plus 1e-4 relative for the float
// product x * (1/d)) of its quantized value; d = max|x|/127 per block; the sums
// match the quants.
TEST(Activations, QuantizationErrorIsAtMostHalfAStep) {
  for (ActFormat f : {ActFormat::Q8_0, ActFormat::Q8_K}) {
    const size_t n = 3, cols = 1024, B = act_block(f), G = f == ActFormat::Q8_0 ? 32 : 16;
    std::vector<float> x = test::make_acts(n * cols, 11);
    for (size_t i = 0; i < 32; ++i) x[i] = 0.0f;  // an all-zero block: d = 0, q = 0
    Activations a;
    quantize_activations(f, x.data(), n, cols, a);
    ASSERT_EQ(a.qs.size(), n * cols);
    ASSERT_EQ(a.d.size(), n * cols / B);
    ASSERT_EQ(a.sums.size(), n * cols / G);
    for (size_t b = 0; b < n * cols / B; ++b) {
      float amax = 0;
      for (size_t i = 0; i < B; ++i) amax = std::fmax(amax, std::fabs(x[b * B + i]));
      ASSERT_EQ(a.d[b], amax / 127.0f);
      for (size_t i = b * B; i < (b + 1) * B; ++i) {
        ASSERT_LE(std::abs(int(a.qs[i])), 127);
        ASSERT_LE(std::fabs(x[i] - a.d[b] * a.qs[i]), 0.5001f * a.d[b]) << "element " << i;
      }
    }
    for (size_t g = 0; g < a.sums.size(); ++g) {
      int s = 0;
      for (size_t i = 0; i < G; ++i) s += a.qs[g * G + i];
      ASSERT_EQ(a.sums[g], s);
    }
  }
}

TEST(Activations, FloatFormPointsAtTheCallersRows) {
  std::vector<float> x(64, 1.0f);
  Activations a;
  quantize_activations(ActFormat::F32, x.data(), 2, 32, a);
  EXPECT_EQ(a.f32, x.data());
  EXPECT_TRUE(a.qs.empty());
}

}  // namespace
}  // namespace hart::tensor
