// Video (`extract_video.cpp`): libavformat reads through a custom `AVIOContext` whose
// read and seek callbacks `pread` the descriptor (no mapping; spooled members work),
// with no protocols allowed (a playlist cannot open other files or URLs). `metadata`:
// `container`, `streams`, `duration` (s), `width`, `height`, `frame_rate`,
// `video_codec`, `audio_codec`, `audio_sample_rate`, `audio_channels`, `keyframes`,
// `audio_track_seconds` (`audio_track_capped` at 10 minutes). One pass over the packets:
// only key-frame packets of the best video stream (cover art excluded) reach the decoder
// (`skip_frame = AVDISCARD_NONKEY` too), one at least duration/32 after the previous one
// (10 s when the duration is unknown), at most 32. Each is converted to RGB24 with
// swscale, encoded by libavcodec's PNG encoder, written to an unlinked spool file
// (`spool_write`, shared with archives) and ingested recursively as subtype `keyframe`
// (so step 7 gives it a thumbnail, patches and OCR), related `keyframe` (ordinal, label
// = seconds from the stream's start). The best audio stream (`video_audio_track.cpp`) is
// decoded and resampled by swresample to 16 kHz mono s16 (what speech recognition takes;
// a sixth of 48 kHz stereo) up to 10 minutes, written as a WAV spool and ingested as
// subtype `audio_track`, related `audio_track`. Frame sizes over 16384 per side, or
// audio over 64 channels or 1 MHz, are refused before anything is allocated. A file
// FFmpeg cannot open, a read error, packets that end before 90 % of the duration the
// header declares (a cut Matroska or AVI just reaches end of file; not checked when
// FFmpeg guessed the duration from the bit rate) or nothing decodable at all throws, so
// the atom becomes binary with the error (FFmpeg's own last message appended; its
// logging is otherwise silenced); undecodable packets when something else came out are a
// warning on the video atom.
#include "ingest/extract/extractors.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "ingest/extract/video/ffmpeg_io.h"
#include "ingest/extract/video/video_audio_track.h"
#include "util/error.h"
#include "store/atom_names.h"

namespace hart {
namespace {

constexpr int kMaxKeyframes = 32;             // spread over the duration, at most this many
constexpr double kUnknownDurationSpacing = 10;  // seconds between key frames when the duration is unknown
constexpr int kMaxSide = 16384;               // larger frames are refused, not allocated
constexpr int64_t kMaxPixels = int64_t{8192} * 8192;  // twice 8K UHD; 192 MiB as RGB
constexpr int kIoBufferBytes = 1 << 16;
constexpr double kMaxDurationSeconds = 1e7;  // past 115 days it is a broken header, not a film
constexpr double kMaxFrameRate = 1000;       // a higher guess is not recorded

// The container, demuxed from the InputFile's descriptor with pread.
class Demuxer {
 public:
  explicit Demuxer(const InputFile& file) : fd_(file.fd()), size_(static_cast<int64_t>(file.size())) {
    auto* buffer = static_cast<uint8_t*>(ffmpeg_alloc(av_malloc(kIoBufferBytes)));
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
    fmt_ = ffmpeg_alloc(avformat_alloc_context());
    fmt_->pb = io_;
    fmt_->flags |= AVFMT_FLAG_CUSTOM_IO;
    // A playlist (HLS, concat) must not make us open other files or URLs.
    AVDictionary* options = nullptr;
    av_dict_set(&options, "protocol_whitelist", "none", 0);
    int rc = avformat_open_input(&fmt_, nullptr, nullptr, &options);  // frees fmt_ on failure
    av_dict_free(&options);
    if (rc < 0) throw FormatError(file.display() + ": not a video FFmpeg can read: " + ffmpeg_error(rc));
    rc = avformat_find_stream_info(fmt_, nullptr);
    if (rc < 0) throw FormatError(file.display() + ": cannot read the streams' parameters: " + ffmpeg_error(rc));
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

void check_frame_size(int width, int height, const std::string& where) {
  if (width <= 0 || height <= 0 || width > kMaxSide || height > kMaxSide || int64_t{width} * height > kMaxPixels)
    throw FormatError(where + ": frame size " + std::to_string(width) + "x" + std::to_string(height) +
                      " is out of range (1.." + std::to_string(kMaxSide) + " per side, " +
                      std::to_string(kMaxPixels >> 20) + " Mpixels in all); refusing the video");
}

// `frame` as RGB24 in a PNG, with libavcodec's PNG encoder.
std::string encode_png(const AVFrame* frame, SwsPtr& sws, const std::string& where) {
  int w = frame->width, h = frame->height;
  check_frame_size(w, h, where);
  sws.reset(sws_getCachedContext(sws.release(), w, h, static_cast<AVPixelFormat>(frame->format), w, h,
                                 AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!sws) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format));
    throw FormatError(where + ": cannot convert pixel format " + (name ? name : std::to_string(frame->format)) +
                      " to RGB");
  }
  FramePtr rgb(ffmpeg_alloc(av_frame_alloc()));
  rgb->format = AV_PIX_FMT_RGB24;
  rgb->width = w;
  rgb->height = h;
  if (av_frame_get_buffer(rgb.get(), 0) < 0) throw Error("FFmpeg: out of memory for a " + std::to_string(w) + "x" +
                                                         std::to_string(h) + " frame");
  sws_scale(sws.get(), frame->data, frame->linesize, 0, h, rgb->data, rgb->linesize);

  const AVCodec* png = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (!png) throw Error("FFmpeg was built without its PNG encoder");
  CodecPtr enc(ffmpeg_alloc(avcodec_alloc_context3(png)));
  enc->width = w;
  enc->height = h;
  enc->pix_fmt = AV_PIX_FMT_RGB24;
  enc->time_base = {1, 1};
  int rc = avcodec_open2(enc.get(), png, nullptr);
  if (rc >= 0) rc = avcodec_send_frame(enc.get(), rgb.get());
  PacketPtr pkt(ffmpeg_alloc(av_packet_alloc()));
  if (rc >= 0) rc = avcodec_receive_packet(enc.get(), pkt.get());
  if (rc < 0) throw Error(where + ": cannot encode the key frame as PNG: " + ffmpeg_error(rc));
  return std::string(reinterpret_cast<const char*>(pkt->data), static_cast<size_t>(pkt->size));
}

// Decodes spread-out key frames and ingests each as a PNG 'keyframe' child.
class KeyFrames {
 public:
  KeyFrames(ExtractContext& ctx, int64_t parent, const std::string& where, const AVStream* st,
            CodecPtr decoder, double duration, Nesting& nesting)
      : ctx_(ctx), parent_(parent), where_(where), st_(st), dec_(std::move(decoder)), nesting_(nesting) {
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
    FramePtr frame(ffmpeg_alloc(av_frame_alloc()));
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
    SpoolFile spool(where);
    spool.write_at(png.data(), png.size(), 0);
    StoredAtom child = spool.ingest(ctx_, subtype::kKeyframe);
    char label[32];
    int64_t ts = frame->best_effort_timestamp;
    std::snprintf(label, sizeof label, "%.3f", ts != AV_NOPTS_VALUE ? seconds(ts) : 0.0);
    ctx_.relate(parent_, child.id, relation::kKeyframe, emitted_++, std::string(label));
  }

  ExtractContext& ctx_;
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

// The container's duration in seconds, or 0 when unknown or absurd.
double duration_of(const AVFormatContext* fmt, const AVStream* st) {
  double d = 0;
  if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0) d = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  else if (st && st->duration != AV_NOPTS_VALUE && st->duration > 0) d = static_cast<double>(st->duration) * av_q2d(st->time_base);
  return d > 0 && d < kMaxDurationSeconds ? d : 0;
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

void extract_video(ExtractContext& ctx, InputFile& file) {
  const int64_t atom_id = ctx.atom_id();
  AtomInfo& info = ctx.info();
  Nesting& nesting = ctx.nesting();
  quiet_ffmpeg();
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
    if (rate.num > 0 && rate.den > 0 && av_q2d(rate) <= kMaxFrameRate)
      info.metadata["frame_rate"] = std::round(av_q2d(rate) * 1000) / 1000;
    std::string problem;
    if (CodecPtr dec = open_decoder(vs, problem)) keyframes.emplace(ctx, atom_id, where, vs, std::move(dec), duration, nesting);
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

  PacketPtr pkt(ffmpeg_alloc(av_packet_alloc()));
  double packets_end = 0;
  for (;;) {
    if ((!keyframes || keyframes->done()) && (!audio || audio->done())) break;
    int rc = av_read_frame(fmt, pkt.get());
    if (rc == AVERROR_EOF) {
      check_not_truncated(fmt, duration, packets_end, where);
      break;
    }
    if (rc < 0) throw FormatError(where + ": corrupt or truncated: " + ffmpeg_error(rc));
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
    std::optional<StoredAtom> track = audio->finish(ctx);
    if (track) {
      ctx.relate(atom_id, track->id, relation::kAudioTrack, 0);
      has_audio = true;
      info.metadata["audio_track_seconds"] = static_cast<double>(audio->samples()) / kAudioTrackRate;
      if (audio->samples() >= kMaxAudioTrackSamples) info.metadata["audio_track_capped"] = true;  // at 10 minutes
    }
    if (audio->errors()) problems.push_back("audio: " + std::to_string(audio->errors()) + " packet(s) could not be decoded");
  }
  std::string summary;
  for (const std::string& p : problems) summary += (summary.empty() ? "" : "; ") + p;
  if (keyframe_count == 0 && !has_audio)
    throw FormatError(where + ": no key frame or sound could be decoded" + (summary.empty() ? "" : ": " + summary) +
                      (ffmpeg_last_message().empty() ? "" : " (" + ffmpeg_last_message() + ")"));
  if (!summary.empty()) {
    // Some of it came out: a warning on a video atom, not a failure.
    info.error = summary;
    ctx.report({where, summary, true});
  }
}

}  // namespace hart
