// Audio (`extract_audio.cpp`): for the MIME types libsndfile 1.2 decodes (WAV, AIFF, AU,
// FLAC, OGG, MP3; other audio keeps `extracted: false`), `sf_open_virtual` reads the
// `InputFile` with `pread`. A WAV whose `data` chunk declares more bytes than the file
// holds is refused first (libsndfile would silently shorten it); rate (8 Hz–768 kHz) and
// channels (1–256) are checked; reads are 4096 sample frames, so memory never follows
// the header. Decoding fewer frames than the header promises, or a decoder error, throws
// (binary with the error). The channels' mean is cut into frames of
// `AudioOptions::frame_seconds` (1 s, `--audio-frame-seconds`; the last holds the rest):
// `audio`/`frame` atoms whose payload is a canonical WAV (44-byte header, mono 16-bit
// PCM, original rate) stored with `AtomStore::put_bytes`, related `frame` with ordinals,
// `metadata.mfcc` = 13 MFCCs averaged over the frame's 25 ms/10 ms windows (`mfcc.cpp`).
// Identical frames are one atom. The same mono stream, linearly resampled to 16 kHz,
// goes to `Transcriber` (`speech_to_text.cpp`: PocketSphinx 5prealpha, en-us model, one
// decoder per process under a mutex, logs to /dev/null), decoded in whole-utterance
// pieces of ≤ 30 s cut at the quietest 100 ms of their last 5 s; a header longer than
// `max_transcript_seconds` (600, `--max-transcript-seconds`, 0 = none) skips the
// transcript, a stream that turns out longer is transcribed up to the limit, said in
// `transcript_note`. The transcript is `atoms.text`, split into passages;
// `transcript_model` names the model. Parent metadata: `format`, `encoding`,
// `sample_rate`, `channels`, `sample_frames`, `duration_seconds`, `frame_seconds`,
// `frames`, and `features.audio_v1`: MFCC statistics over every frame's windows
// (audio_features.h; none for a recording under two windows, 35 ms).
#include <sndfile.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/extract/content_kind.h"
#include "ingest/extract/context.h"
#include "ingest/extract/extractors.h"
#include "ingest/extract/input_file.h"
#include "media/audio_features.h"
#include "media/mfcc.h"
#include "media/riff_walk.h"
#include "media/speech_to_text.h"
#include "util/error.h"
#include "store/atom_names.h"

namespace hart {
namespace {

constexpr int kMinSampleRate = 8, kMaxSampleRate = 768000;
constexpr int kMaxChannels = 256;
constexpr sf_count_t kReadFrames = 4096;  // sample frames per read: bounds memory whatever the header says
constexpr double kMinFrameSeconds = 0.01, kMaxFrameSeconds = 3600;  // AudioOptions::frame_seconds (said in its error)

// What libmagic calls the formats libsndfile 1.2 decodes. Other audio (AAC, MIDI, ...)
// is kept whole as audio; a failure to open one of these means the file is damaged.
bool decodable(const std::string& mime) {
  static const std::array<const char*, 11> kKnown = {
      "audio/x-wav", "audio/wav", "audio/vnd.wave", "audio/x-aiff", "audio/aiff", "audio/flac",
      "audio/x-flac", "audio/ogg", "audio/x-vorbis+ogg", "audio/mpeg", "audio/basic"};
  return std::find(kKnown.begin(), kKnown.end(), mime) != kKnown.end();
}

// libsndfile reads the InputFile through pread: no mmap, archive members work too.
struct VirtualFile {
  InputFile& file;
  sf_count_t pos = 0;
};

SF_VIRTUAL_IO virtual_io() {
  SF_VIRTUAL_IO io{};
  io.get_filelen = [](void* u) -> sf_count_t { return static_cast<sf_count_t>(static_cast<VirtualFile*>(u)->file.size()); };
  io.seek = [](sf_count_t offset, int whence, void* u) -> sf_count_t {
    auto* v = static_cast<VirtualFile*>(u);
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? v->pos : static_cast<sf_count_t>(v->file.size());
    if (base + offset < 0) return -1;
    return v->pos = base + offset;
  };
  io.read = [](void* ptr, sf_count_t count, void* u) -> sf_count_t {
    auto* v = static_cast<VirtualFile*>(u);
    if (count <= 0) return 0;
    ssize_t got = ::pread(v->file.fd(), ptr, static_cast<size_t>(count), static_cast<off_t>(v->pos));
    if (got <= 0) return 0;
    v->pos += got;
    return got;
  };
  io.write = [](const void*, sf_count_t, void*) -> sf_count_t { return 0; };  // read only
  io.tell = [](void* u) -> sf_count_t { return static_cast<VirtualFile*>(u)->pos; };
  return io;
}

// libsndfile quietly shortens a WAV whose data chunk claims more bytes than the file
// holds; a cut-off recording must be reported instead (streamed WAVs with a size of 0
// or 0xFFFFFFFF are accepted).
void check_wav_not_truncated(InputFile& file) {
  std::optional<WavDataChunk> data = find_wav_data_chunk(file.size(), [&](uint64_t offset, unsigned char* out, size_t n) {
    return ::pread(file.fd(), out, n, static_cast<off_t>(offset)) == static_cast<ssize_t>(n);
  });
  if (!data) return;
  uint64_t size = data->declared_size, available = file.size() - data->payload_offset;
  if (size != 0 && size != 0xFFFFFFFFu && size > available)
    throw FormatError(file.display() + ": truncated WAV: its data chunk declares " + std::to_string(size) +
                      " bytes but the file holds " + std::to_string(available));
}

std::string format_name(int format) {
  SF_FORMAT_INFO f{};
  f.format = format;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &f, sizeof f) != 0 || !f.name) return "unknown";
  return f.name;
}

// Linear interpolation to 16 kHz for PocketSphinx, streaming. No low-pass filter:
// speech carries little energy above 8 kHz, and the recogniser listens below 6.8 kHz.
class Resampler {
 public:
  explicit Resampler(uint64_t rate) : rate_(rate) {}
  // Appends the output samples that `x` completes to `out`.
  void push(const float* x, size_t n, std::vector<int16_t>& out) {
    if (n == 0) return;
    for (;;) {
      uint64_t num = next_ * rate_;
      uint64_t i = num / kSpeechSampleRate;
      if (i + 1 >= seen_ + n) break;  // sample i + 1 not here yet
      float a = i + 1 == seen_ ? prev_ : x[i - seen_];
      float b = x[i + 1 - seen_];
      float frac = static_cast<float>(num % kSpeechSampleRate) / kSpeechSampleRate;
      out.push_back(to_pcm16(a + (b - a) * frac));
      ++next_;
    }
    seen_ += n;
    prev_ = x[n - 1];
  }
  static int16_t to_pcm16(float v) { return static_cast<int16_t>(std::lround(std::clamp(v, -1.0f, 32767.0f / 32768) * 32768)); }

 private:
  uint64_t rate_, next_ = 0, seen_ = 0;
  float prev_ = 0;
};

// A frame's payload: a canonical 44-byte header, mono 16-bit PCM.
std::string wav_bytes(const std::vector<int16_t>& pcm, uint32_t rate) {
  std::string out;
  auto u32 = [&](uint32_t v) { for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i) & 0xFF); };
  auto u16 = [&](uint16_t v) { out += static_cast<char>(v & 0xFF); out += static_cast<char>(v >> 8); };
  uint32_t data = static_cast<uint32_t>(pcm.size() * 2);
  out += "RIFF"; u32(36 + data); out += "WAVEfmt "; u32(16);
  u16(1); u16(1); u32(rate); u32(rate * 2); u16(2); u16(16);  // PCM, mono, rate, bytes/s, align, bits
  out += "data"; u32(data);
  for (int16_t s : pcm) u16(static_cast<uint16_t>(s));
  return out;
}

double rounded(double v, double scale) { return std::round(v * scale) / scale; }

// Cuts the mono signal into frame atoms related to the recording as 'frame'.
class FrameWriter {
 public:
  FrameWriter(ExtractContext& ctx, int64_t parent, int rate, size_t frame_samples)
      : ctx_(ctx), parent_(parent), rate_(rate), frame_samples_(frame_samples), mfcc_(rate) {
    info_.modality = modality::kAudio;
    info_.subtype = subtype::kFrame;
    info_.mime = "audio/x-wav";
    pcm_.reserve(frame_samples);
  }
  void push(const float* mono, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      pcm_.push_back(Resampler::to_pcm16(mono[i]));
      if (pcm_.size() == frame_samples_) flush();
    }
  }
  void flush() {
    if (pcm_.empty()) return;
    // Features of the stored samples, so a frame's metadata follows from its bytes.
    std::vector<float> x(pcm_.size());
    for (size_t i = 0; i < pcm_.size(); ++i) x[i] = pcm_[i] / 32768.0f;
    const std::vector<float> windows = mfcc_.windows(x.data(), x.size());
    features_.add(windows);
    std::vector<float> mfcc = Mfcc::mean_of(windows);
    info_.metadata = {{"sample_rate", rate_}, {"samples", pcm_.size()},
                      {"duration_seconds", rounded(static_cast<double>(pcm_.size()) / rate_, 1e6)}};
    if (!mfcc.empty()) {
      nlohmann::json coefficients = nlohmann::json::array();
      for (float c : mfcc) coefficients.push_back(rounded(c, 1e4));
      info_.metadata["mfcc"] = coefficients;
      info_.metadata["mfcc_windows"] = mfcc_.window_count(x.size());
    }
    StoredAtom frame = ctx_.put_bytes(wav_bytes(pcm_, static_cast<uint32_t>(rate_)), info_);
    if (frame.id != parent_) ctx_.relate(parent_, frame.id, relation::kFrame, count_);  // a file that is its own frame
    ++count_;
    pcm_.clear();
  }
  int64_t count() const { return count_; }
  const AudioFeatureAccumulator& features() const { return features_; }

 private:
  ExtractContext& ctx_;
  int64_t parent_;
  int rate_;
  size_t frame_samples_;
  Mfcc mfcc_;
  AudioFeatureAccumulator features_;  // over every frame: the recording's own
  AtomInfo info_;
  std::vector<int16_t> pcm_;
  int64_t count_ = 0;
};

}  // namespace

void extract_audio(ExtractContext& ctx, InputFile& file) {
  const int64_t atom_id = ctx.atom_id();
  const ContentType& type = ctx.type();
  AtomInfo& info = ctx.info();
  const AudioOptions& options = ctx.options().audio;
  if (!decodable(type.mime)) {
    info.metadata["extracted"] = false;
    info.metadata["note"] = "libsndfile does not decode " + type.mime + "; stored whole";
    return;
  }
  check_wav_not_truncated(file);
  VirtualFile vf{file};
  SF_VIRTUAL_IO io = virtual_io();
  SF_INFO sf{};
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> snd(sf_open_virtual(&io, SFM_READ, &sf, &vf), sf_close);
  if (!snd) throw FormatError(file.display() + ": not decodable as " + type.mime + ": " + sf_strerror(nullptr));
  // Header values steer allocation and loops: check them before use.
  if (sf.samplerate < kMinSampleRate || sf.samplerate > kMaxSampleRate)
    throw FormatError(file.display() + ": implausible sample rate " + std::to_string(sf.samplerate) + " Hz");
  if (sf.channels < 1 || sf.channels > kMaxChannels)
    throw FormatError(file.display() + ": implausible channel count " + std::to_string(sf.channels));
  if (!(options.frame_seconds >= kMinFrameSeconds && options.frame_seconds <= kMaxFrameSeconds))
    throw UsageError("audio frame length " + std::to_string(options.frame_seconds) + " s is outside 0.01 .. 3600 s");
  const int rate = sf.samplerate, channels = sf.channels;
  // A header's frame count may be absent (streams) or invented; it only decides
  // whether transcription is worth starting, and is compared with what decodes.
  std::optional<int64_t> promised;
  if (sf.frames > 0 && sf.frames < (int64_t{1} << 50)) promised = sf.frames;

  std::unique_ptr<Transcriber> transcriber;
  std::string transcript_note;
  const auto transcript_limit = static_cast<uint64_t>(options.max_transcript_seconds * kSpeechSampleRate);
  if (!options.transcribe) {
    transcript_note = "transcription turned off";
  } else if (promised && static_cast<double>(*promised) / rate > options.max_transcript_seconds) {
    transcript_note = "longer than " + std::to_string(static_cast<int64_t>(options.max_transcript_seconds)) +
                      " s, the transcription limit";
  } else if (std::string why; find_speech_model(why).empty()) {
    transcript_note = why;
  } else {
    try {
      transcriber = std::make_unique<Transcriber>();
    } catch (const Error& e) {  // a damaged model costs the transcript, not the recording
      transcript_note = e.what();
    }
  }

  FrameWriter frames(ctx, atom_id, rate,
                     std::max<size_t>(1, static_cast<size_t>(std::lround(options.frame_seconds * rate))));
  Resampler resampler(static_cast<uint64_t>(rate));
  std::vector<float> interleaved(static_cast<size_t>(kReadFrames) * channels), mono(kReadFrames);
  std::vector<int16_t> speech;
  uint64_t decoded = 0, transcribed = 0;
  for (;;) {
    sf_count_t got = sf_readf_float(snd.get(), interleaved.data(), kReadFrames);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      float sum = 0;
      for (int c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
      mono[i] = sum / channels;
    }
    decoded += static_cast<uint64_t>(got);
    frames.push(mono.data(), static_cast<size_t>(got));
    if (transcriber) {
      speech.clear();
      resampler.push(mono.data(), static_cast<size_t>(got), speech);
      size_t take = std::min<uint64_t>(speech.size(), transcript_limit - transcribed);
      transcriber->feed(speech.data(), take);
      transcribed += take;
      if (transcribed >= transcript_limit) {  // the header understated the length
        transcript_note = "transcribed the first " + std::to_string(static_cast<int64_t>(options.max_transcript_seconds)) +
                          " s only (the transcription limit)";
        info.text = transcriber->finish();
        transcriber.reset();
      }
    }
  }
  if (sf_error(snd.get()) != SF_ERR_NO_ERROR)
    throw FormatError(file.display() + ": decoding failed after " + std::to_string(decoded) + " sample frames: " +
                      sf_strerror(snd.get()));
  if (decoded == 0) throw FormatError(file.display() + ": no audio could be decoded");
  if (promised && decoded < static_cast<uint64_t>(*promised))
    throw FormatError(file.display() + ": truncated or damaged: the header promises " + std::to_string(*promised) +
                      " sample frames, only " + std::to_string(decoded) + " decode");
  frames.flush();

  info.metadata["format"] = format_name(sf.format & SF_FORMAT_TYPEMASK);
  info.metadata["encoding"] = format_name(sf.format & SF_FORMAT_SUBMASK);
  info.metadata["sample_rate"] = rate;
  info.metadata["channels"] = channels;
  info.metadata["sample_frames"] = decoded;
  info.metadata["duration_seconds"] = rounded(static_cast<double>(decoded) / rate, 1e6);
  info.metadata["frame_seconds"] = options.frame_seconds;
  info.metadata["frames"] = frames.count();
  const std::vector<float> features = frames.features().finish();
  if (!features.empty()) put_features(info, feature::kAudio, features);  // else under two windows: too short
  if (transcriber) info.text = transcriber->finish();
  if (!transcript_note.empty()) info.metadata["transcript_note"] = transcript_note;
  if (info.text) {
    info.metadata["transcript_model"] = speech_model_name();
    if (info.text->empty()) info.text.reset();  // nothing recognisable was said
    else add_passages(ctx, atom_id, *info.text, false);
  }
}

}  // namespace hart
