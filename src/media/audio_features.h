// Features of a recording for same-modality similarity (the "audio" atom embedder):
// statistics of its MFCCs (mfcc.h), computed once at ingest and stored in the atom's
// metadata (`features.audio_v1`). Version 1, kAudioFeatureDim = 38 floats in three
// blocks, each scaled to unit length and then by its weight (metric: cosine). The
// coefficients are liftered first (c_k · (1 + 11 sin(π k / 22)), HTK's L = 22), so the
// higher ones weigh about as much as the first:
//
//   1. timbre, 12: the mean of c1..c12 over all windows (c0, the loudness, left out so a
//      louder copy is the same sound), weight 1;
//   2. variation, 13: ln of the standard deviation of c0..c12, minus the mean of the 13
//      (how the spectrum moves, not how much in all), weight 0.7;
//   3. speed, 13: the same for the deltas (difference of consecutive windows), weight 0.7.
//
// The signal is given in stretches (the extractor's frames): windows and deltas never
// span two stretches, so the result follows from the stored frames alone.
#pragma once
#include <cstddef>
#include <vector>

#include "media/mfcc.h"

namespace hart {

inline constexpr size_t kAudioFeatureDim = 38;

class AudioFeatureAccumulator {
 public:
  // `rows`: kMfccCoefficients floats per window of one stretch (Mfcc::windows).
  void add(const std::vector<float>& rows);
  size_t windows() const { return windows_; }
  // kAudioFeatureDim floats; empty with fewer than two windows of one stretch (no delta).
  std::vector<float> finish() const;

 private:
  size_t windows_ = 0, deltas_ = 0;
  double sum_[kMfccCoefficients] = {}, sum_sq_[kMfccCoefficients] = {};
  double delta_sum_[kMfccCoefficients] = {}, delta_sum_sq_[kMfccCoefficients] = {};
};

}  // namespace hart
