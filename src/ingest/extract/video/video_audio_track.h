// The audio track of a video: the best audio stream decoded, resampled with
// swresample to 16 kHz mono 16-bit PCM (what speech recognition takes; a sixth of
// 48 kHz stereo) and written as a WAV spool, at most its first 10 minutes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ingest/extract/video/ffmpeg_io.h"

namespace hart {

inline constexpr int kAudioTrackRate = 16000;
inline constexpr int64_t kMaxAudioTrackSamples = int64_t{600} * kAudioTrackRate;

class AudioTrack {
 public:
  // `where` names the video in messages; `decoder` is open on the audio stream.
  AudioTrack(const std::string& where, CodecPtr decoder);
  bool done() const { return samples_ >= kMaxAudioTrackSamples || stopped_; }
  int64_t samples() const { return samples_; }
  int errors() const { return errors_; }

  // Decodes a packet of the audio stream (a packet that fails to decode is counted).
  void offer(const AVPacket* pkt);
  // Flushes the decoder and resampler; ingests the WAV (subtype audio_track) when
  // it holds any sound.
  std::optional<StoredAtom> finish(ExtractContext& ctx);

 private:
  void receive();
  // Set up from the first decoded frame (codec parameters may not say), checked.
  void start_resampler(const AVFrame* f);
  // Resamples `n` input samples (none: drains the resampler) and appends them, up to
  // the 10-minute cap, after the 44-byte header written last.
  void append(const uint8_t** in, int n);

  std::string where_;
  CodecPtr dec_;
  SwrPtr swr_;
  SpoolFile spool_;
  std::vector<int16_t> buffer_;
  int in_rate_ = 0, in_format_ = -1, in_channels_ = 0;
  int64_t samples_ = 0;
  int errors_ = 0;
  bool stopped_ = false;
};

}  // namespace hart
