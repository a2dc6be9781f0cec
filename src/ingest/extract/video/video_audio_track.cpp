#include "ingest/extract/video/video_audio_track.h"

extern "C" {
#include <libavutil/channel_layout.h>
}

#include <algorithm>

#include "util/error.h"
#include "store/atom_names.h"

namespace hart {
namespace {

constexpr int kMaxChannels = 64;  // more is a broken header: refused before allocating
constexpr int kMaxSampleRate = 1000000;

void put_le(std::string& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// The 44-byte header of a 16 kHz mono 16-bit PCM WAV holding `data_bytes` of samples.
std::string wav_header(uint32_t data_bytes) {
  std::string h = "RIFF";
  put_le(h, 36 + data_bytes, 4);
  h += "WAVEfmt ";
  put_le(h, 16, 4);
  put_le(h, 1, 2);  // PCM
  put_le(h, 1, 2);  // mono
  put_le(h, kAudioTrackRate, 4);
  put_le(h, kAudioTrackRate * 2, 4);
  put_le(h, 2, 2);
  put_le(h, 16, 2);
  h += "data";
  put_le(h, data_bytes, 4);
  return h;
}

}  // namespace

AudioTrack::AudioTrack(const std::string& where, CodecPtr decoder)
    : where_(where + "!audio_track"), dec_(std::move(decoder)), spool_(where_) {}

void AudioTrack::offer(const AVPacket* pkt) {
  if (done()) return;
  if (avcodec_send_packet(dec_.get(), pkt) < 0) {
    ++errors_;
    return;
  }
  receive();
}

std::optional<StoredAtom> AudioTrack::finish(ExtractContext& ctx) {
  if (!done()) {
    avcodec_send_packet(dec_.get(), nullptr);
    receive();
  }
  if (swr_ && !done()) append(nullptr, 0);
  if (samples_ == 0) return std::nullopt;
  std::string header = wav_header(static_cast<uint32_t>(samples_ * 2));
  spool_.write_at(header.data(), header.size(), 0);
  return spool_.ingest(ctx, subtype::kAudioTrack);
}

void AudioTrack::receive() {
  FramePtr frame(ffmpeg_alloc(av_frame_alloc()));
  while (!done()) {
    int rc = avcodec_receive_frame(dec_.get(), frame.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
    if (rc < 0) {
      ++errors_;
      return;
    }
    if (!swr_) start_resampler(frame.get());
    if (frame->sample_rate != in_rate_ || frame->format != in_format_ ||
        frame->ch_layout.nb_channels != in_channels_) {
      stopped_ = true;  // a format change mid-stream; what came before is kept
      return;
    }
    append(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
    av_frame_unref(frame.get());
  }
}

void AudioTrack::start_resampler(const AVFrame* f) {
  in_rate_ = f->sample_rate, in_format_ = f->format, in_channels_ = f->ch_layout.nb_channels;
  if (in_rate_ <= 0 || in_rate_ > kMaxSampleRate || in_channels_ <= 0 || in_channels_ > kMaxChannels)
    throw FormatError(where_ + ": " + std::to_string(in_channels_) + " channel(s) at " + std::to_string(in_rate_) +
                      " Hz is out of range; refusing the audio track");
  AVChannelLayout in = {};
  if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&in, in_channels_);
  else av_channel_layout_copy(&in, &f->ch_layout);
  AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
  SwrContext* swr = nullptr;
  int rc = swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_S16, kAudioTrackRate, &in, static_cast<AVSampleFormat>(in_format_),
                               in_rate_, 0, nullptr);
  av_channel_layout_uninit(&in);
  swr_.reset(swr);
  if (rc >= 0) rc = swr_init(swr_.get());
  if (rc < 0) throw FormatError(where_ + ": cannot resample the audio to 16 kHz mono: " + ffmpeg_error(rc));
}

void AudioTrack::append(const uint8_t** in, int n) {
  int room = swr_get_out_samples(swr_.get(), n);
  if (room <= 0) return;
  buffer_.resize(static_cast<size_t>(room));
  auto* out = reinterpret_cast<uint8_t*>(buffer_.data());
  int got = swr_convert(swr_.get(), &out, room, in, n);
  if (got < 0) throw FormatError(where_ + ": resampling failed: " + ffmpeg_error(got));
  int64_t keep = std::min<int64_t>(got, kMaxAudioTrackSamples - samples_);
  spool_.write_at(buffer_.data(), static_cast<size_t>(keep) * 2, 44 + static_cast<uint64_t>(samples_) * 2);
  samples_ += keep;
}

}  // namespace hart
