// The blocks and their rules: audio_features.h.
#include "media/audio_features.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hart {
namespace {

constexpr double kLifter = 22;
constexpr double kWeightTimbre = 1, kWeightVariation = 0.7, kWeightSpeed = 0.7;
constexpr double kMinStd = 1e-4;  // a constant coefficient: ln stays finite
static_assert(kMfccCoefficients - 1 + 2 * kMfccCoefficients == kAudioFeatureDim);

double lifter(int k) { return 1 + kLifter / 2 * std::sin(std::numbers::pi * k / kLifter); }

void scale(std::vector<double>& block, double weight) {
  double norm = 0;
  for (double v : block) norm += v * v;
  norm = std::sqrt(norm);
  for (double& v : block) v = norm > 0 ? v / norm * weight : 0;
}

// ln of the standard deviations, centred on their mean.
std::vector<double> log_spread(const double* sum, const double* sum_sq, size_t n) {
  std::vector<double> out(kMfccCoefficients);
  double mean = 0;
  for (int k = 0; k < kMfccCoefficients; ++k) {
    const double m = sum[k] / n, var = std::max(0.0, sum_sq[k] / n - m * m);
    out[k] = std::log(std::max(std::sqrt(var), kMinStd));
    mean += out[k];
  }
  mean /= kMfccCoefficients;
  for (double& v : out) v -= mean;
  return out;
}

}  // namespace

void AudioFeatureAccumulator::add(const std::vector<float>& rows) {
  const size_t count = rows.size() / kMfccCoefficients;
  for (size_t w = 0; w < count; ++w)
    for (int k = 0; k < kMfccCoefficients; ++k) {
      const double c = rows[w * kMfccCoefficients + k] * lifter(k);
      sum_[k] += c;
      sum_sq_[k] += c * c;
      if (w == 0) continue;
      const double d = c - rows[(w - 1) * kMfccCoefficients + k] * lifter(k);
      delta_sum_[k] += d;
      delta_sum_sq_[k] += d * d;
    }
  windows_ += count;
  if (count > 1) deltas_ += count - 1;
}

std::vector<float> AudioFeatureAccumulator::finish() const {
  if (deltas_ == 0) return {};
  std::vector<double> timbre(kMfccCoefficients - 1);
  for (int k = 1; k < kMfccCoefficients; ++k) timbre[k - 1] = sum_[k] / windows_;
  std::vector<double> variation = log_spread(sum_, sum_sq_, windows_);
  std::vector<double> speed = log_spread(delta_sum_, delta_sum_sq_, deltas_);
  scale(timbre, kWeightTimbre);
  scale(variation, kWeightVariation);
  scale(speed, kWeightSpeed);
  std::vector<float> out;
  out.reserve(kAudioFeatureDim);
  for (const auto* block : {&timbre, &variation, &speed})
    for (double v : *block) out.push_back(static_cast<float>(v));
  return out;
}

}  // namespace hart
