#include "tensor/activations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>

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

// Exact halves round to even, as llama.cpp's quantizers (and CVTPS2DQ) do, on the
// path this CPU runs (HART_CPU_PATH=scalar runs the portable one): a block whose
// max is 127 has d = 1, so x itself is rounded.
TEST(Activations, HalvesRoundToEven) {
  for (ActFormat f : {ActFormat::Q8_0, ActFormat::Q8_K}) {
    const size_t B = act_block(f);
    std::vector<float> x(B, 0.0f);
    const float halves[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, 127.0f, -3.49f, 3.51f};
    const int want[] = {0, 2, 2, 0, -2, -2, 126, 127, -3, 4};
    std::copy(std::begin(halves), std::end(halves), x.begin() + 5);
    Activations a;
    quantize_activations(f, x.data(), 1, B, a);
    ASSERT_EQ(a.d[0], 1.0f);
    for (size_t i = 0; i < std::size(want); ++i) EXPECT_EQ(a.qs[5 + i], want[i]) << halves[i];
    EXPECT_EQ(a.sums[0], 2 + 2 - 2 - 2 + 126 + 127 - 3 + 4) << "the first group's sum";
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
