// Recordings the ingest tests write themselves with libsndfile.
#pragma once
#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

namespace hart::test {

// Interleaved 16-bit samples written with libsndfile (`format`: SF_FORMAT_* major | subtype).
inline void write_audio(const std::string& path, int format, int rate, int channels, const std::vector<short>& samples) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << path << ": " << sf_strerror(nullptr);
  sf_count_t frames = static_cast<sf_count_t>(samples.size()) / channels;
  EXPECT_EQ(sf_writef_short(f, samples.data(), frames), frames);
  sf_close(f);
}

// `seconds` of a tone (0 Hz: silence) on every channel. A whole number of cycles per
// second makes every full second the same frame.
inline std::vector<short> tone(double hz, double seconds, int rate, int channels) {
  std::vector<short> s;
  auto n = static_cast<size_t>(std::lround(seconds * rate));
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < channels; ++c)
      s.push_back(static_cast<short>(std::lround(9000 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / rate))));
  return s;
}

}  // namespace hart::test
