// Mel-frequency cepstral coefficients of a mono signal, the classic recipe
// (python_speech_features / HTK style), so that a numpy reference can check them:
//   pre-emphasis y[n] = x[n] - 0.97 x[n-1] (y[0] = x[0]); Hamming windows of 25 ms
//   every 10 ms (whole samples, rounded down), zero-padded to the next power of two;
//   power spectrum |X|^2 / nfft; 26 triangular mel filters (HTK mel scale) from 0 Hz
//   to min(rate / 2, 8 kHz), edges at bin floor((nfft + 1) * hz / rate); natural log
//   of max(energy, 1e-10); orthonormal DCT-II, coefficients 0..12.
#pragma once
#include <cstddef>
#include <vector>

namespace hart {

inline constexpr int kMfccCoefficients = 13;
inline constexpr int kMelFilters = 26;

class Mfcc {
 public:
  explicit Mfcc(int sample_rate);  // 8 Hz .. 768 kHz; throws FormatError outside

  // One row of kMfccCoefficients per window; none when the signal is shorter than
  // one window. `samples` are in [-1, 1).
  std::vector<float> windows(const float* samples, size_t n) const;
  // The per-window coefficients averaged over all windows (empty when there are none).
  std::vector<float> mean(const float* samples, size_t n) const { return mean_of(windows(samples, n)); }
  // The average of rows windows() gave (empty for none).
  static std::vector<float> mean_of(const std::vector<float>& rows);

  // How many windows fit in n samples.
  size_t window_count(size_t n) const { return n < window_ ? 0 : 1 + (n - window_) / hop_; }

 private:
  size_t window_, hop_, nfft_;
  std::vector<float> hamming_;
  std::vector<std::vector<float>> filters_;  // kMelFilters rows of nfft/2 + 1 weights
  std::vector<float> dct_;                   // kMfccCoefficients x kMelFilters
};

}  // namespace hart
