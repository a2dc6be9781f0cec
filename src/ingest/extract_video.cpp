// Video through FFmpeg: the container is read through a custom AVIOContext over the
// InputFile (pread, never mmap), key frames become PNG image atoms and the first
// audio track a 16 kHz mono WAV audio atom; both are spooled to unlinked temporary
// files and ingested like archive members, so they get their own kind's extractor.
#include "ingest/extractors.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/content_ingester.h"
#include "ingest/input_file.h"
#include "util/error.h"

namespace hart {
namespace {

constexpr int kMaxKeyframes = 32;             // spread over the duration, at most this many
constexpr double kUnknownDurationSpacing = 10;  // seconds between key frames when the duration is unknown
constexpr int kWavRate = 16000;               // the audio track: 16 kHz mono 16-bit PCM (speech models' input)
constexpr int64_t kMaxAudioSamples = int64_t{600} * kWavRate;  // its first 10 minutes
constexpr int kMaxSide = 16384;               // larger frames are refused, not allocated
constexpr int kMaxChannels = 64;
constexpr int kMaxSampleRate = 1000000;
constexpr int kIoBufferBytes = 1 << 16;

// FFmpeg prints to stderr by default. Instead its last error message on this thread
// is kept, to complete the errors that name what went wrong.
thread_local std::string t_last_log;

void remember_log(void*, int level, const char* format, va_list args) {
  if (level > AV_LOG_ERROR) return;
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string s = line;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (!s.empty()) t_last_log = s;
}

void quiet_ffmpeg() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(remember_log); });
}

std::string why(int rc) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(rc, buf, sizeof buf);
  std::string s = buf;
  if (!t_last_log.empty()) s += " (" + t_last_log + ")";
  return s;
}

template <typename T, void (*Free)(T**)>
struct FreeWith {
  void operator()(T* p) const { Free(&p); }
};
using CodecPtr = std::unique_ptr<AVCodecContext, FreeWith<AVCodecContext, avcodec_free_context>>;
using FramePtr = std::unique_ptr<AVFrame, FreeWith<AVFrame, av_frame_free>>;
using PacketPtr = std::unique_ptr<AVPacket, FreeWith<AVPacket, av_packet_free>>;
using SwrPtr = std::unique_ptr<SwrContext, FreeWith<SwrContext, swr_free>>;
struct FreeSws {
  void operator()(SwsContext* p) const { sws_freeContext(p); }
};
using SwsPtr = std::unique_ptr<SwsContext, FreeSws>;

template <typename T>
T* checked_alloc(T* p) {
  if (!p) throw Error("FFmpeg: out of memory");
  return p;
}

// The container, demuxed from the InputFile's descriptor with pread.
class Demuxer {
 public:
  explicit Demuxer(const InputFile& file) : fd_(file.fd()), size_(static_cast<int64_t>(file.size())) {
    auto* buffer = static_cast<uint8_t*>(checked_alloc(av_malloc(kIoBufferBytes)));
    io_ = avio_alloc_context(buffer, kIoBufferBytes, 0, this, &Demuxer::read, nullptr, &Demuxer::seek);
    if (!io_) {
      av_free(buffer);
      throw Error("FFmpeg: out of memory");
    }
    try {
      open(file);
    } catch (...) {
      close();  // the destructor does not run for a constructor that throws
      throw;
    }
  }
  ~Demuxer() { close(); }
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

  AVFormatContext* fmt() { return fmt_; }

 private:
  void open(const InputFile& file) {
    fmt_ = checked_alloc(avformat_alloc_context());
    fmt_->pb = io_;
    fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
    // A playlist (HLS, concat) must not make us open other files or URLs.
    AVDictionary* options = nullptr;
    av_dict_set(&options, "protocol_whitelist", "none", 0);
    int rc = avformat_open_input(&fmt_, nullptr, nullptr, &options);  // frees fmt_ on failure
    av_dict_free(&options);
    if (rc < 0) throw FormatError(file.display() + ": not a video FFmpeg can read: " + why(rc));
    rc = avformat_find_stream_info(fmt_, nullptr);
    if (rc < 0) throw FormatError(file.display() + ": cannot read the streams' parameters: " + why(rc));
  }
  void close() {
    avformat_close_input(&fmt_);
    if (io_) av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
  static int read(void* opaque, uint8_t* buf, int n) {
    auto* self = static_cast<Demuxer*>(opaque);
    ssize_t got;
    do got = ::pread(self->fd_, buf, static_cast<size_t>(n), self->pos_);
    while (got < 0 && errno == EINTR);
    if (got < 0) return AVERROR(errno);
    if (got == 0) return AVERROR_EOF;
    self->pos_ += got;
    return static_cast<int>(got);
  }
  static int64_t seek(void* opaque, int64_t offset, int whence) {
    auto* self = static_cast<Demuxer*>(opaque);
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return self->size_;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? self->pos_ : whence == SEEK_END ? self->size_ : -1;
    if (base < 0 || base + offset < 0) return AVERROR(EINVAL);
    self->pos_ = base + offset;
    return self->pos_;
  }

  int fd_;
  int64_t size_;
  int64_t pos_ = 0;
  AVIOContext* io_ = nullptr;
  AVFormatContext* fmt_ = nullptr;
};

// An opened decoder for `st`, or null with `problem` saying why not.
CodecPtr open_decoder(const AVStream* st, std::string& problem) {
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    problem = std::string("no decoder for ") + avcodec_get_name(st->codecpar->codec_id);
    return nullptr;
  }
  CodecPtr ctx(checked_alloc(avcodec_alloc_context3(codec)));
  int rc = avcodec_parameters_to_context(ctx.get(), st->codecpar);
  ctx->thread_count = 1;  // the ingest runs beside other work; key frames are few
  ctx->pkt_timebase = st->time_base;
  if (rc >= 0) rc = avcodec_open2(ctx.get(), codec, nullptr);
  if (rc < 0) {
    problem = std::string("cannot open the ") + codec->name + " decoder: " + why(rc);
    return nullptr;
  }
  return ctx;
}

// An anonymous temporary file being written; ingested once complete.
class Spool {
 public:
  explicit Spool(std::string where) : fd_(make_spool_file()), where_(std::move(where)) {}
  ~Spool() {
    if (fd_ >= 0) ::close(fd_);
  }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  void write_at(const void* data, size_t n, uint64_t offset) { spool_write(fd_, data, n, offset, where_); }
  StoredAtom ingest(ContentIngester& ingester, const std::string& subtype, Nesting& nesting) {
    InputFile file(std::exchange(fd_, -1), where_);
    return ingester.ingest(file, subtype, nesting);
  }

 private:
  int fd_;
  std::string where_;
};

void check_frame_size(int width, int height, const std::string& where) {
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide)
    throw FormatError(where + ": frame size " + std::to_string(width) + "x" + std::to_string(height) +
                      " is out of range (1.." + std::to_string(kMaxSide) + " per side); refusing the video");
}

// `frame` as RGB24 in a PNG, with libavcodec's PNG encoder.
std::string encode_png(const AVFrame* frame, SwsPtr& sws, const std::string& where) {
  int w = frame->width, h = frame->height;
  check_frame_size(w, h, where);
  sws.reset(sws_getCachedContext(sws.release(), w, h, static_cast<AVPixelFormat>(frame->format), w, h,
                                 AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!sws)
    throw FormatError(where + ": cannot convert pixel format " +
                      av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format)) + " to RGB");
  FramePtr rgb(checked_alloc(av_frame_alloc()));
  rgb->format = AV_PIX_FMT_RGB24;
  rgb->width = w;
  rgb->height = h;
  if (av_frame_get_buffer(rgb.get(), 0) < 0) throw Error("FFmpeg: out of memory for a " + std::to_string(w) + "x" +
                                                         std::to_string(h) + " frame");
  sws_scale(sws.get(), frame->data, frame->linesize, 0, h, rgb->data, rgb->linesize);

  const AVCodec* png = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (!png) throw Error("FFmpeg was built without its PNG encoder");
  CodecPtr enc(checked_alloc(avcodec_alloc_context3(png)));
  enc->width = w;
  enc->height = h;
  enc->pix_fmt = AV_PIX_FMT_RGB24;
  enc->time_base = {1, 1};
  int rc = avcodec_open2(enc.get(), png, nullptr);
  if (rc >= 0) rc = avcodec_send_frame(enc.get(), rgb.get());
  PacketPtr pkt(checked_alloc(av_packet_alloc()));
  if (rc >= 0) rc = avcodec_receive_packet(enc.get(), pkt.get());
  if (rc < 0) throw Error(where + ": cannot encode the key frame as PNG: " + why(rc));
  return std::string(reinterpret_cast<const char*>(pkt->data), static_cast<size_t>(pkt->size));
}

// Decodes spread-out key frames and ingests each as a PNG 'keyframe' child.
class KeyFrames {
 public:
  KeyFrames(ContentIngester& ingester, int64_t parent, const std::string& where, const AVStream* st,
            CodecPtr decoder, double duration, Nesting& nesting)
      : ingester_(ingester), parent_(parent), where_(where), st_(st), dec_(std::move(decoder)), nesting_(nesting) {
    spacing_ = duration > 0 ? duration / kMaxKeyframes : kUnknownDurationSpacing;
    dec_->skip_frame = AVDISCARD_NONKEY;  // only key packets are sent anyway
  }
  bool done() const { return sent_ >= kMaxKeyframes; }
  int count() const { return emitted_; }
  int errors() const { return errors_; }

  // Sends `pkt` to the decoder if it is a key frame that is due.
  void offer(const AVPacket* pkt) {
    if (done() || !(pkt->flags & AV_PKT_FLAG_KEY)) return;
    int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (ts != AV_NOPTS_VALUE && seconds(ts) < next_due_) return;
    if (avcodec_send_packet(dec_.get(), pkt) < 0) {
      ++errors_;
      return;
    }
    ++sent_;
    if (ts != AV_NOPTS_VALUE) next_due_ = seconds(ts) + spacing_;
    receive();
  }
  void finish() {
    avcodec_send_packet(dec_.get(), nullptr);
    receive();
  }

 private:
  double seconds(int64_t ts) const {
    int64_t start = st_->start_time != AV_NOPTS_VALUE ? st_->start_time : 0;
    return static_cast<double>(ts - start) * av_q2d(st_->time_base);
  }
  void receive() {
    FramePtr frame(checked_alloc(av_frame_alloc()));
    for (;;) {
      int rc = avcodec_receive_frame(dec_.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) {
        ++errors_;
        return;
      }
      emit(frame.get());
      av_frame_unref(frame.get());
    }
  }
  void emit(const AVFrame* frame) {
    std::string where = where_ + "!keyframe " + std::to_string(emitted_);
    std::string png = encode_png(frame, sws_, where);
    Spool spool(where);
    spool.write_at(png.data(), png.size(), 0);
    StoredAtom child = spool.ingest(ingester_, "keyframe", nesting_);
    char label[32];
    int64_t ts = frame->best_effort_timestamp;
    std::snprintf(label, sizeof label, "%.3f", ts != AV_NOPTS_VALUE ? seconds(ts) : 0.0);
    ingester_.store().relate(parent_, child.id, "keyframe", emitted_++, std::string(label));
  }

  ContentIngester& ingester_;
  int64_t parent_;
  std::string where_;
  const AVStream* st_;
  CodecPtr dec_;
  Nesting& nesting_;
  SwsPtr sws_;
  double spacing_;
  double next_due_ = -1e300;
  int sent_ = 0, emitted_ = 0, errors_ = 0;
};

void put_le(std::string& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string wav_header(uint32_t data_bytes) {
  std::string h = "RIFF";
  put_le(h, 36 + data_bytes, 4);
  h += "WAVEfmt ";
  put_le(h, 16, 4);
  put_le(h, 1, 2);  // PCM
  put_le(h, 1, 2);  // mono
  put_le(h, kWavRate, 4);
  put_le(h, kWavRate * 2, 4);
  put_le(h, 2, 2);
  put_le(h, 16, 2);
  h += "data";
  put_le(h, data_bytes, 4);
  return h;
}

// Decodes the audio stream, resamples it to 16 kHz mono s16 and writes a WAV spool.
class AudioTrack {
 public:
  AudioTrack(const std::string& where, CodecPtr decoder)
      : where_(where + "!audio_track"), dec_(std::move(decoder)), spool_(where_) {}
  bool done() const { return samples_ >= kMaxAudioSamples || stopped_; }
  int64_t samples() const { return samples_; }
  int errors() const { return errors_; }

  void offer(const AVPacket* pkt) {
    if (done()) return;
    if (avcodec_send_packet(dec_.get(), pkt) < 0) {
      ++errors_;
      return;
    }
    receive();
  }
  // Flushes the decoder and resampler; ingests the WAV when it holds any sound.
  std::optional<StoredAtom> finish(ContentIngester& ingester, Nesting& nesting) {
    if (!done()) {
      avcodec_send_packet(dec_.get(), nullptr);
      receive();
    }
    if (swr_ && !done()) append(nullptr, 0);
    if (samples_ == 0) return std::nullopt;
    std::string header = wav_header(static_cast<uint32_t>(samples_ * 2));
    spool_.write_at(header.data(), header.size(), 0);
    return spool_.ingest(ingester, "audio_track", nesting);
  }

 private:
  void receive() {
    FramePtr frame(checked_alloc(av_frame_alloc()));
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
  void start_resampler(const AVFrame* f) {
    in_rate_ = f->sample_rate, in_format_ = f->format, in_channels_ = f->ch_layout.nb_channels;
    if (in_rate_ <= 0 || in_rate_ > kMaxSampleRate || in_channels_ <= 0 || in_channels_ > kMaxChannels)
      throw FormatError(where_ + ": " + std::to_string(in_channels_) + " channel(s) at " + std::to_string(in_rate_) +
                        " Hz is out of range; refusing the audio track");
    AVChannelLayout in = {};
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&in, in_channels_);
    else av_channel_layout_copy(&in, &f->ch_layout);
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    SwrContext* swr = nullptr;
    int rc = swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_S16, kWavRate, &in, static_cast<AVSampleFormat>(in_format_),
                                 in_rate_, 0, nullptr);
    av_channel_layout_uninit(&in);
    swr_.reset(swr);
    if (rc >= 0) rc = swr_init(swr_.get());
    if (rc < 0) throw FormatError(where_ + ": cannot resample the audio to 16 kHz mono: " + why(rc));
  }
  // Resamples `n` input samples (none: drain the resampler) and appends them.
  void append(const uint8_t** in, int n) {
    int room = swr_get_out_samples(swr_.get(), n);
    if (room <= 0) return;
    buffer_.resize(static_cast<size_t>(room));
    auto* out = reinterpret_cast<uint8_t*>(buffer_.data());
    int got = swr_convert(swr_.get(), &out, room, in, n);
    if (got < 0) throw FormatError(where_ + ": resampling failed: " + why(got));
    int64_t keep = std::min<int64_t>(got, kMaxAudioSamples - samples_);
    spool_.write_at(buffer_.data(), static_cast<size_t>(keep) * 2, 44 + static_cast<uint64_t>(samples_) * 2);
    samples_ += keep;
  }

  std::string where_;
  CodecPtr dec_;
  SwrPtr swr_;
  Spool spool_;
  std::vector<int16_t> buffer_;
  int in_rate_ = 0, in_format_ = -1, in_channels_ = 0;
  int64_t samples_ = 0;
  int errors_ = 0;
  bool stopped_ = false;
};

// The container's duration in seconds, or 0 when unknown or absurd.
double duration_of(const AVFormatContext* fmt, const AVStream* st) {
  double d = 0;
  if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) d = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  else if (st && st->duration != AV_NOPTS_VALUE && st->duration > 0) d = static_cast<double>(st->duration) * av_q2d(st->time_base);
  return d > 0 && d < 1e7 ? d : 0;  // past 115 days it is a broken header, not a film
}

// Where `pkt` ends, in seconds from its stream's start (0 when it has no time).
double packet_end(const AVFormatContext* fmt, const AVPacket* pkt) {
  const AVStream* st = fmt->streams[pkt->stream_index];
  int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
  if (ts == AV_NOPTS_VALUE) return 0;
  int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  return static_cast<double>(ts + std::max<int64_t>(pkt->duration, 0) - start) * av_q2d(st->time_base);
}

// A container whose index sits up front (Matroska, AVI, MP4 with "faststart") just
// ends early when cut: FFmpeg reports end of file. Its header still declares the
// whole duration, which the packets must reach (within 10 %, and half a second).
void check_not_truncated(const AVFormatContext* fmt, double duration, double packets_end, const std::string& where) {
  if (duration <= 0 || fmt->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE) return;  // a guess
  if (packets_end < duration * 0.9 - 0.5) {
    char msg[160];
    std::snprintf(msg, sizeof msg, ": truncated: the streams end at %.2f s of the %.2f s the header declares",
                  packets_end, duration);
    throw FormatError(where + msg);
  }
}

}  // namespace

void extract_video(ContentIngester& ingester, int64_t atom_id, InputFile& file, AtomInfo& info, Nesting& nesting) {
  quiet_ffmpeg();
  t_last_log.clear();
  Demuxer demuxer(file);
  AVFormatContext* fmt = demuxer.fmt();
  const std::string& where = file.display();

  int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (v >= 0 && (fmt->streams[v]->disposition & AV_DISPOSITION_ATTACHED_PIC)) v = -1;  // cover art, not video
  int a = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, v, nullptr, 0);
  if (v < 0 && a < 0) throw FormatError(where + ": no video or audio stream in this " + fmt->iformat->name + " file");
  const AVStream* vs = v >= 0 ? fmt->streams[v] : nullptr;
  const AVStream* as = a >= 0 ? fmt->streams[a] : nullptr;

  double duration = duration_of(fmt, vs ? vs : as);
  info.metadata["container"] = fmt->iformat->name;
  info.metadata["streams"] = fmt->nb_streams;
  if (duration > 0) info.metadata["duration"] = std::round(duration * 1000) / 1000;
  std::vector<std::string> problems;
  std::optional<KeyFrames> keyframes;
  if (vs) {
    if (vs->codecpar->width || vs->codecpar->height) {  // else known only from decoded frames, checked there
      check_frame_size(vs->codecpar->width, vs->codecpar->height, where);
      info.metadata["width"] = vs->codecpar->width;
      info.metadata["height"] = vs->codecpar->height;
    }
    info.metadata["video_codec"] = avcodec_get_name(vs->codecpar->codec_id);
    AVRational rate = av_guess_frame_rate(fmt, const_cast<AVStream*>(vs), nullptr);
    if (rate.num > 0 && rate.den > 0 && av_q2d(rate) <= 1000)
      info.metadata["frame_rate"] = std::round(av_q2d(rate) * 1000) / 1000;
    std::string problem;
    if (CodecPtr dec = open_decoder(vs, problem)) keyframes.emplace(ingester, atom_id, where, vs, std::move(dec), duration, nesting);
    else problems.push_back("video: " + problem);
  }
  std::optional<AudioTrack> audio;
  if (as) {
    info.metadata["audio_codec"] = avcodec_get_name(as->codecpar->codec_id);
    info.metadata["audio_sample_rate"] = as->codecpar->sample_rate;
    info.metadata["audio_channels"] = as->codecpar->ch_layout.nb_channels;
    std::string problem;
    if (CodecPtr dec = open_decoder(as, problem)) audio.emplace(where, std::move(dec));
    else problems.push_back("audio: " + problem);
  }

  PacketPtr pkt(checked_alloc(av_packet_alloc()));
  double packets_end = 0;
  for (;;) {
    if ((!keyframes || keyframes->done()) && (!audio || audio->done())) break;
    int rc = av_read_frame(fmt, pkt.get());
    if (rc == AVERROR_EOF) {
      check_not_truncated(fmt, duration, packets_end, where);
      break;
    }
    if (rc < 0) throw FormatError(where + ": corrupt or truncated: " + why(rc));
    packets_end = std::max(packets_end, packet_end(fmt, pkt.get()));
    if (keyframes && pkt->stream_index == v) keyframes->offer(pkt.get());
    else if (audio && pkt->stream_index == a) audio->offer(pkt.get());
    av_packet_unref(pkt.get());
  }

  int keyframe_count = 0;
  if (keyframes) {
    keyframes->finish();
    keyframe_count = keyframes->count();
    if (keyframe_count == 0) problems.push_back("video: no key frame could be decoded");
    if (keyframes->errors()) problems.push_back("video: " + std::to_string(keyframes->errors()) + " key frame(s) could not be decoded");
  }
  info.metadata["keyframes"] = keyframe_count;
  bool has_audio = false;
  if (audio) {
    std::optional<StoredAtom> track = audio->finish(ingester, nesting);
    if (track) {
      ingester.store().relate(atom_id, track->id, "audio_track", 0);
      has_audio = true;
      info.metadata["audio_track_seconds"] = static_cast<double>(audio->samples()) / kWavRate;
      if (audio->samples() >= kMaxAudioSamples) info.metadata["audio_track_capped"] = true;  // at 10 minutes
    }
    if (audio->errors()) problems.push_back("audio: " + std::to_string(audio->errors()) + " packet(s) could not be decoded");
  }
  std::string summary;
  for (const std::string& p : problems) summary += (summary.empty() ? "" : "; ") + p;
  if (keyframe_count == 0 && !has_audio)
    throw FormatError(where + ": no key frame or sound could be decoded" + (summary.empty() ? "" : ": " + summary) +
                      (t_last_log.empty() ? "" : " (" + t_last_log + ")"));
  if (!summary.empty()) {
    // Some of it came out: a warning on a video atom, not a failure.
    info.error = summary;
    ingester.issues().push_back({where, summary, true});
  }
}

}  // namespace hart
