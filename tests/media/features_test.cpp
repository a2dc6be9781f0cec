// The image and audio features the "image" and "audio" atom embedders compare
// (media/image_features.h, media/audio_features.h): fixed size, finite, the same for a
// resized picture or a louder recording, different for different content, and bad
// input refused with an error instead of read out of bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "media/audio_features.h"
#include "media/image_features.h"
#include "media/mfcc.h"
#include "util/error.h"

namespace hart {
namespace {

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// An RGB picture w x h: a sky gradient over a green hill with a red square, or (other)
// blue stripes on yellow.
std::vector<uint8_t> draw(int w, int h, bool other) {
  std::vector<uint8_t> p(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* px = &p[(static_cast<size_t>(y) * w + x) * 3];
      const double fx = static_cast<double>(x) / w, fy = static_cast<double>(y) / h;
      if (other) {
        const bool stripe = static_cast<int>(fx * 10) % 2 == 0;
        px[0] = stripe ? 30 : 240, px[1] = stripe ? 40 : 220, px[2] = stripe ? 200 : 40;
      } else if (fx > 0.3 && fx < 0.5 && fy > 0.2 && fy < 0.4) {
        px[0] = 220, px[1] = 20, px[2] = 30;
      } else if (fy > 0.6 + 0.1 * std::sin(fx * 6)) {
        px[0] = 40, px[1] = 160, px[2] = 50;
      } else {
        px[0] = static_cast<uint8_t>(100 + 100 * fy), px[1] = static_cast<uint8_t>(150 + 80 * fy), px[2] = 250;
      }
    }
  return p;
}

std::vector<float> features(const std::vector<uint8_t>& p, int w, int h) {
  return image_features(ImagePixels{p.data(), w, h, 3, static_cast<size_t>(w) * 3});
}

TEST(ImageFeatures, ResizedCopyIsCloseAndAnotherPictureIsFar) {
  const std::vector<float> big = features(draw(640, 480, false), 640, 480);
  const std::vector<float> small = features(draw(160, 120, false), 160, 120);
  const std::vector<float> other = features(draw(640, 480, true), 640, 480);
  ASSERT_EQ(big.size(), kImageFeatureDim);
  for (float v : big) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(features(draw(640, 480, false), 640, 480), big);  // deterministic
  EXPECT_GT(cosine(big, small), 0.97);
  EXPECT_LT(cosine(big, other), 0.6);
  EXPECT_GT(cosine(big, small), cosine(big, other) + 0.3);
}

TEST(ImageFeatures, TinyGreyAndAlphaPicturesAreRead) {
  const uint8_t grey[2] = {0, 255};
  const std::vector<float> f = image_features(ImagePixels{grey, 2, 1, 1, 2});
  ASSERT_EQ(f.size(), kImageFeatureDim);
  for (float v : f) ASSERT_TRUE(std::isfinite(v));
  const uint8_t rgba[4] = {10, 200, 30, 0};
  EXPECT_EQ(image_features(ImagePixels{rgba, 1, 1, 4, 4}).size(), kImageFeatureDim);
}

TEST(ImageFeatures, BadSizesAreErrors) {
  const uint8_t px[12] = {};
  EXPECT_THROW(image_features(ImagePixels{px, 0, 1, 3, 3}), FormatError);
  EXPECT_THROW(image_features(ImagePixels{px, 2, -1, 3, 6}), FormatError);
  EXPECT_THROW(image_features(ImagePixels{nullptr, 2, 2, 3, 6}), FormatError);
  EXPECT_THROW(image_features(ImagePixels{px, 2, 2, 2, 4}), FormatError);   // 2 channels
  EXPECT_THROW(image_features(ImagePixels{px, 4, 1, 3, 6}), FormatError);   // stride < row
  EXPECT_THROW(image_features(static_cast<Pix*>(nullptr)), FormatError);
}

// Features of a signal cut into 1 s stretches, as the audio extractor gives them.
std::vector<float> audio(const std::vector<float>& x, int rate) {
  Mfcc mfcc(rate);
  AudioFeatureAccumulator acc;
  for (size_t at = 0; at < x.size(); at += static_cast<size_t>(rate))
    acc.add(mfcc.windows(x.data() + at, std::min(x.size() - at, static_cast<size_t>(rate))));
  return acc.finish();
}

// A chirping tone with noise (speech-like movement), or a steady hum.
std::vector<float> signal(int rate, double seconds, double gain, bool hum, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 0.02);
  std::vector<float> x(static_cast<size_t>(rate * seconds));
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double v = hum ? 0.3 * std::sin(2 * std::numbers::pi * 120 * t) +
                               0.1 * std::sin(2 * std::numbers::pi * 240 * t)
                         : 0.3 * std::sin(2 * std::numbers::pi * (400 + 300 * std::sin(3 * t)) * t) *
                               (0.5 + 0.5 * std::sin(2 * std::numbers::pi * 4 * t));
    x[i] = static_cast<float>(gain * (v + noise(rng)));
  }
  return x;
}

TEST(AudioFeatures, LouderCopyIsTheSameSoundAndAHumIsNot) {
  const std::vector<float> a = audio(signal(16000, 3, 1.0, false, 1), 16000);
  const std::vector<float> louder = audio(signal(16000, 3, 2.0, false, 1), 16000);
  const std::vector<float> again = audio(signal(16000, 3, 1.0, false, 2), 16000);  // other noise
  const std::vector<float> hum = audio(signal(16000, 3, 1.0, true, 1), 16000);
  ASSERT_EQ(a.size(), kAudioFeatureDim);
  for (float v : a) ASSERT_TRUE(std::isfinite(v));
  EXPECT_GT(cosine(a, louder), 0.99);
  EXPECT_GT(cosine(a, again), 0.95);
  EXPECT_LT(cosine(a, hum), cosine(a, again) - 0.2);
}

TEST(AudioFeatures, UnderTwoWindowsGiveNone) {
  Mfcc mfcc(16000);
  AudioFeatureAccumulator acc;
  EXPECT_TRUE(acc.finish().empty());  // nothing at all
  const std::vector<float> one(400, 0.1f);  // exactly one 25 ms window: no delta
  acc.add(mfcc.windows(one.data(), one.size()));
  EXPECT_EQ(acc.windows(), 1u);
  EXPECT_TRUE(acc.finish().empty());
  acc.add({});
  EXPECT_TRUE(acc.finish().empty());
}

}  // namespace
}  // namespace hart
