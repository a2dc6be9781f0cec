#include "media/mfcc.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>

#include "util/error.h"

namespace hart {
namespace {

constexpr double kPreEmphasis = 0.97;
constexpr double kMaxMelHz = 8000;  // speech lives below; keeps 16 kHz and 44.1 kHz audio comparable

double hz_to_mel(double hz) { return 2595 * std::log10(1 + hz / 700); }
double mel_to_hz(double mel) { return 700 * (std::pow(10, mel / 2595) - 1); }

// In-place iterative radix-2 FFT; a.size() is a power of two.
void fft(std::vector<std::complex<double>>& a) {
  size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {  // bit-reversal permutation
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    double angle = -2 * std::numbers::pi / static_cast<double>(len);
    std::complex<double> step(std::cos(angle), std::sin(angle));
    for (size_t start = 0; start < n; start += len) {
      std::complex<double> w(1, 0);
      for (size_t k = 0; k < len / 2; ++k) {
        std::complex<double> u = a[start + k], v = a[start + k + len / 2] * w;
        a[start + k] = u + v;
        a[start + k + len / 2] = u - v;
        w *= step;
      }
    }
  }
}

}  // namespace

Mfcc::Mfcc(int sample_rate) {
  if (sample_rate < 8 || sample_rate > 768000)
    throw FormatError("MFCC: sample rate " + std::to_string(sample_rate) + " Hz is outside 8 Hz .. 768 kHz");
  window_ = std::max<size_t>(1, static_cast<size_t>(sample_rate) * 25 / 1000);
  hop_ = std::max<size_t>(1, static_cast<size_t>(sample_rate) / 100);
  nfft_ = 1;
  while (nfft_ < window_) nfft_ <<= 1;
  hamming_.resize(window_);
  for (size_t i = 0; i < window_; ++i)
    hamming_[i] = static_cast<float>(
        window_ == 1 ? 1.0 : 0.54 - 0.46 * std::cos(2 * std::numbers::pi * i / static_cast<double>(window_ - 1)));

  // Filter edges on the FFT bin grid, evenly spaced in mel.
  double top = std::min(sample_rate / 2.0, kMaxMelHz);
  std::vector<size_t> bin(kMelFilters + 2);
  for (int i = 0; i < kMelFilters + 2; ++i) {
    double hz = mel_to_hz(hz_to_mel(top) * i / (kMelFilters + 1));
    bin[i] = static_cast<size_t>(std::floor((nfft_ + 1) * hz / sample_rate));
  }
  size_t bins = nfft_ / 2 + 1;
  filters_.assign(kMelFilters, std::vector<float>(bins, 0.0f));
  for (int m = 0; m < kMelFilters; ++m) {
    size_t lo = bin[m], mid = bin[m + 1], hi = std::min(bin[m + 2], bins - 1);
    for (size_t k = lo; k < mid; ++k) filters_[m][k] = static_cast<float>(double(k - lo) / double(mid - lo));
    for (size_t k = mid; k < hi; ++k) filters_[m][k] = static_cast<float>(double(hi - k) / double(hi - mid));
  }

  dct_.resize(kMfccCoefficients * kMelFilters);
  for (int k = 0; k < kMfccCoefficients; ++k)
    for (int m = 0; m < kMelFilters; ++m)
      dct_[k * kMelFilters + m] = static_cast<float>(std::sqrt((k == 0 ? 1.0 : 2.0) / kMelFilters) *
                                                     std::cos(std::numbers::pi * k * (2 * m + 1) / (2.0 * kMelFilters)));
}

std::vector<float> Mfcc::windows(const float* samples, size_t n) const {
  std::vector<float> out;
  size_t count = window_count(n);
  out.reserve(count * kMfccCoefficients);
  std::vector<std::complex<double>> spectrum(nfft_);
  double energies[kMelFilters];
  for (size_t w = 0; w < count; ++w) {
    size_t start = w * hop_;
    std::fill(spectrum.begin(), spectrum.end(), std::complex<double>(0, 0));
    for (size_t i = 0; i < window_; ++i) {
      size_t at = start + i;
      double emphasized = at == 0 ? samples[0] : samples[at] - kPreEmphasis * samples[at - 1];
      spectrum[i] = emphasized * hamming_[i];
    }
    fft(spectrum);
    for (int m = 0; m < kMelFilters; ++m) {
      double e = 0;
      for (size_t k = 0; k <= nfft_ / 2; ++k)
        if (filters_[m][k] != 0.0f) e += filters_[m][k] * std::norm(spectrum[k]) / static_cast<double>(nfft_);
      energies[m] = std::log(std::max(e, 1e-10));
    }
    for (int k = 0; k < kMfccCoefficients; ++k) {
      double c = 0;
      for (int m = 0; m < kMelFilters; ++m) c += dct_[k * kMelFilters + m] * energies[m];
      out.push_back(static_cast<float>(c));
    }
  }
  return out;
}

std::vector<float> Mfcc::mean_of(const std::vector<float>& rows) {
  if (rows.empty()) return rows;
  size_t count = rows.size() / kMfccCoefficients;
  std::vector<double> sum(kMfccCoefficients, 0.0);
  for (size_t w = 0; w < count; ++w)
    for (int k = 0; k < kMfccCoefficients; ++k) sum[k] += rows[w * kMfccCoefficients + k];
  std::vector<float> avg(kMfccCoefficients);
  for (int k = 0; k < kMfccCoefficients; ++k) avg[k] = static_cast<float>(sum[k] / static_cast<double>(count));
  return avg;
}

}  // namespace hart
