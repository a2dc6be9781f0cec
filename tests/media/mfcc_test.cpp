// MFCCs against a numpy reference (tests/golden/mfcc/make_mfcc_golden.py).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "media/mfcc.h"

namespace hart::test {
namespace {

// The signal of tests/golden/mfcc/make_mfcc_golden.py, quantised to 16 bits the same way.
std::vector<float> test_signal(int rate) {
  std::vector<float> x;
  for (int i = 0; i < static_cast<int>(0.25 * rate); ++i) {
    double t = static_cast<double>(i) / rate;
    double v = 0.5 * std::sin(2 * std::numbers::pi * 440 * t) + 0.25 * std::sin(2 * std::numbers::pi * 1500 * t) +
               0.1 * std::sin(2 * std::numbers::pi * (200 + 3000 * t) * t);
    x.push_back(static_cast<float>(std::nearbyint(v * 32767) / 32768.0));
  }
  return x;
}

TEST(AudioIngestMfcc, MatchesTheNumpyReference) {
  std::ifstream golden(std::string(HART_SOURCE_DIR) + "/tests/golden/mfcc/mfcc_golden.txt");
  ASSERT_TRUE(golden) << "tests/golden/mfcc/mfcc_golden.txt is missing";
  std::string comment;
  std::getline(golden, comment);
  for (int block = 0; block < 2; ++block) {
    int rate = 0;
    size_t rows = 0;
    ASSERT_TRUE(golden >> rate >> rows);
    Mfcc mfcc(rate);
    std::vector<float> x = test_signal(rate);
    std::vector<float> ours = mfcc.windows(x.data(), x.size());
    ASSERT_EQ(ours.size(), rows * kMfccCoefficients) << rate << " Hz";
    double worst = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      double expected;
      ASSERT_TRUE(golden >> expected);
      worst = std::max(worst, std::abs(expected - ours[i]));
    }
    EXPECT_LT(worst, 2e-3) << rate << " Hz: largest difference from numpy";
  }
}

}  // namespace
}  // namespace hart::test
