// Video through FFmpeg, on tiny videos this test encodes itself with libavformat and
// libavcodec (MPEG-4 Part 2 pictures, AAC sound: both encoders are built into FFmpeg).
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include <cmath>
#include <cstring>
#include <functional>
#include <fstream>
#include <iterator>

#include "ingest_fixture.h"

namespace hart::test {
namespace {

struct VideoSpec {
  const char* container = "mp4";  // libavformat muxer name
  bool picture = true, sound = true;
  int width = 64, height = 48, fps = 10, seconds = 3, gop = 10;
  int sample_rate = 44100;  // stereo AAC
};

// One encoder and its output stream.
struct Track {
  AVCodecContext* enc = nullptr;
  AVStream* st = nullptr;
  int64_t next = 0;  // next pts in the encoder's time base
  ~Track() { avcodec_free_context(&enc); }
};

void write_packets(AVFormatContext* oc, Track& t, const AVFrame* frame) {
  ASSERT_GE(avcodec_send_frame(t.enc, frame), 0);
  AVPacket* pkt = av_packet_alloc();
  while (avcodec_receive_packet(t.enc, pkt) >= 0) {
    av_packet_rescale_ts(pkt, t.enc->time_base, t.st->time_base);
    pkt->stream_index = t.st->index;
    ASSERT_GE(av_interleaved_write_frame(oc, pkt), 0);
  }
  av_packet_free(&pkt);
}

void open_track(AVFormatContext* oc, Track& t, AVCodecID id, const std::function<void(AVCodecContext*)>& setup) {
  const AVCodec* codec = avcodec_find_encoder(id);
  ASSERT_NE(codec, nullptr) << avcodec_get_name(id);
  t.enc = avcodec_alloc_context3(codec);
  setup(t.enc);
  if (oc->oformat->flags & AVFMT_GLOBALHEADER) t.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  ASSERT_GE(avcodec_open2(t.enc, codec, nullptr), 0);
  t.st = avformat_new_stream(oc, nullptr);
  ASSERT_GE(avcodec_parameters_from_context(t.st->codecpar, t.enc), 0);
  t.st->time_base = t.enc->time_base;
}

// A gradient sliding one pixel per frame (key frames differ, nothing looks like a
// scene change) and a 440 Hz tone.
void make_video(const std::string& path, const VideoSpec& s) {
  av_log_set_level(AV_LOG_ERROR);  // the AAC encoder's statistics are not test output
  AVFormatContext* oc = nullptr;
  ASSERT_GE(avformat_alloc_output_context2(&oc, nullptr, s.container, path.c_str()), 0);
  Track video, audio;
  if (s.picture) {
    open_track(oc, video, AV_CODEC_ID_MPEG4, [&](AVCodecContext* c) {
      c->width = s.width, c->height = s.height, c->pix_fmt = AV_PIX_FMT_YUV420P;
      c->time_base = {1, s.fps}, c->framerate = {s.fps, 1};
      c->gop_size = s.gop, c->max_b_frames = 0;
    });
  }
  if (s.sound) {
    open_track(oc, audio, AV_CODEC_ID_AAC, [&](AVCodecContext* c) {
      c->sample_fmt = AV_SAMPLE_FMT_FLTP, c->sample_rate = s.sample_rate, c->bit_rate = 64000;
      c->ch_layout = AV_CHANNEL_LAYOUT_STEREO;
      c->time_base = {1, s.sample_rate};
    });
  }
  ASSERT_GE(avio_open(&oc->pb, path.c_str(), AVIO_FLAG_WRITE), 0);
  ASSERT_GE(avformat_write_header(oc, nullptr), 0);
  AVFrame* frame = av_frame_alloc();
  int64_t frames = int64_t{s.fps} * s.seconds, samples = int64_t{s.sample_rate} * s.seconds;
  for (;;) {
    bool video_left = s.picture && video.next < frames, audio_left = s.sound && audio.next < samples;
    if (!video_left && !audio_left) break;
    // Whichever stream is behind in time goes next, so the file is interleaved.
    bool picture_next = video_left && (!audio_left || video.next * s.sample_rate <= audio.next * s.fps);
    av_frame_unref(frame);
    if (picture_next) {
      frame->format = AV_PIX_FMT_YUV420P, frame->width = s.width, frame->height = s.height;
      ASSERT_GE(av_frame_get_buffer(frame, 0), 0);
      int64_t i = video.next;
      for (int y = 0; y < s.height; ++y)
        for (int x = 0; x < s.width; ++x) frame->data[0][y * frame->linesize[0] + x] = static_cast<uint8_t>(16 + 2 * x + y + i);
      for (int p = 1; p < 3; ++p)
        for (int y = 0; y < s.height / 2; ++y) std::memset(frame->data[p] + y * frame->linesize[p], 100 + 20 * p, s.width / 2);
      frame->pts = video.next++;
      write_packets(oc, video, frame);
    } else {
      frame->format = AV_SAMPLE_FMT_FLTP, frame->sample_rate = s.sample_rate, frame->nb_samples = audio.enc->frame_size;
      av_channel_layout_copy(&frame->ch_layout, &audio.enc->ch_layout);
      ASSERT_GE(av_frame_get_buffer(frame, 0), 0);
      for (int c = 0; c < 2; ++c) {
        auto* out = reinterpret_cast<float*>(frame->data[c]);
        for (int k = 0; k < frame->nb_samples; ++k)
          out[k] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 440 * double(audio.next + k) / s.sample_rate));
      }
      frame->pts = audio.next;
      audio.next += frame->nb_samples;
      write_packets(oc, audio, frame);
    }
  }
  av_frame_free(&frame);
  if (s.picture) write_packets(oc, video, nullptr);
  if (s.sound) write_packets(oc, audio, nullptr);
  ASSERT_GE(av_write_trailer(oc), 0);
  avio_closep(&oc->pb);
  avformat_free_context(oc);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

uint32_t be32(const unsigned char* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
uint32_t le32(const unsigned char* p) { return uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0]; }

class VideoIngestTest : public IngestTest {
 protected:
  std::string payload(int64_t atom) {
    Stmt s = db->prepare("SELECT atom_payload(?)");
    s.bind(1, atom);
    EXPECT_TRUE(s.step());
    return std::string(static_cast<const char*>(s.blob(0)), s.bytes(0));
  }
  std::string meta(int64_t atom, const std::string& key) {
    return text("SELECT json_extract(metadata, '$." + key + "') FROM atoms WHERE id = " + std::to_string(atom));
  }
  int64_t source_atom(const std::string& name) {
    return scalar("SELECT atom_id FROM sources WHERE path LIKE '%/" + name + "'");
  }
  // "WIDTHxHEIGHT" of every key frame PNG of `video`, in order, and their labels.
  std::vector<std::string> keyframes(int64_t video) {
    std::vector<std::string> out;
    Stmt s = db->prepare("SELECT r.child_id, r.label, a.modality || ' ' || a.mime || ' ' || a.subtype FROM atom_relations r"
                         " JOIN atoms a ON a.id = r.child_id WHERE r.parent_id = ? AND r.relation = 'keyframe' ORDER BY r.ordinal");
    s.bind(1, video);
    std::vector<std::pair<int64_t, std::string>> rows;
    while (s.step()) {
      EXPECT_EQ(s.text(2), "image image/png keyframe");
      rows.push_back({s.int64(0), s.text(1)});
    }
    for (const auto& [id, label] : rows) {
      std::string png = payload(id);
      if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) {
        out.push_back("not a PNG");
        continue;
      }
      auto* p = reinterpret_cast<const unsigned char*>(png.data());
      out.push_back(label + "@" + std::to_string(be32(p + 16)) + "x" + std::to_string(be32(p + 20)));
    }
    return out;
  }
};

TEST_F(VideoIngestTest, KeyFramesBecomePngImagesAndTheSoundA16kMonoWav) {
  make_video(path("clip.mp4"), {});
  ContentRunReport r = ingest({path("clip.mp4")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_TRUE(r.warnings.empty()) << all_errors(r.warnings);
  int64_t clip = source_atom("clip.mp4");
  EXPECT_EQ(text("SELECT modality || ' ' || mime FROM atoms WHERE id = " + std::to_string(clip)), "video video/mp4");
  EXPECT_NEAR(std::stod(meta(clip, "duration")), 3.0, 0.1);
  EXPECT_EQ(meta(clip, "frame_rate"), "10.0");
  EXPECT_EQ(meta(clip, "width") + "x" + meta(clip, "height"), "64x48");
  EXPECT_EQ(meta(clip, "video_codec") + " " + meta(clip, "audio_codec"), "mpeg4 aac");
  EXPECT_EQ(meta(clip, "streams"), "2");
  EXPECT_EQ(meta(clip, "audio_sample_rate") + " " + meta(clip, "audio_channels"), "44100 2");
  // A key frame every 10 frames at 10 fps: one per second.
  EXPECT_EQ(keyframes(clip), (std::vector<std::string>{"0.000@64x48", "1.000@64x48", "2.000@64x48"}));
  EXPECT_EQ(meta(clip, "keyframes"), "3");
  // The key frames went through the image extractor like any PNG file.
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations r JOIN atoms a ON a.id = r.child_id WHERE r.relation ="
                   " 'keyframe' AND json_extract(a.metadata, '$.width') = 64 AND json_extract(a.metadata, '$.height') = 48"
                   " AND json_extract(a.metadata, '$.format') = 'png'"), 3);

  int64_t track = scalar("SELECT child_id FROM atom_relations WHERE relation = 'audio_track' AND parent_id = " +
                         std::to_string(clip));
  EXPECT_EQ(text("SELECT modality || ' ' || subtype FROM atoms WHERE id = " + std::to_string(track)), "audio audio_track");
  std::string wav = payload(track);
  ASSERT_GE(wav.size(), 44u);
  auto* h = reinterpret_cast<const unsigned char*>(wav.data());
  EXPECT_EQ(wav.substr(0, 4) + wav.substr(8, 4), "RIFFWAVE");
  EXPECT_EQ(le32(h + 24), 16000u);                  // sample rate
  EXPECT_EQ(h[22] | h[23] << 8, 1);                 // channels
  EXPECT_EQ(le32(h + 40), wav.size() - 44);         // data bytes
  EXPECT_NEAR((wav.size() - 44) / 32000.0, 3.0, 0.1);  // seconds of 16-bit mono at 16 kHz
  EXPECT_NEAR(std::stod(meta(clip, "audio_track_seconds")), 3.0, 0.1);
  // Not silence: the 440 Hz tone survived decoding and resampling.
  int peak = 0;
  for (size_t i = 44; i + 1 < wav.size(); i += 2) peak = std::max(peak, std::abs(int16_t(h[i] | h[i + 1] << 8)));
  EXPECT_GT(peak, 3000);
}

TEST_F(VideoIngestTest, AVideoWithoutSoundHasNoAudioTrack) {
  VideoSpec s;
  s.container = "matroska", s.sound = false, s.width = 80, s.height = 32, s.seconds = 2, s.gop = 5;
  make_video(path("silent.mkv"), s);
  ContentRunReport r = ingest({path("silent.mkv")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t clip = source_atom("silent.mkv");
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(clip)), "video");
  EXPECT_EQ(keyframes(clip), (std::vector<std::string>{"0.000@80x32", "0.500@80x32", "1.000@80x32", "1.500@80x32"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE relation = 'audio_track'"), 0);
  EXPECT_EQ(meta(clip, "audio_codec"), "<null>");
  EXPECT_EQ(meta(clip, "streams"), "1");
}

TEST_F(VideoIngestTest, KeyFramesAreCappedAndSpreadOverTheDuration) {
  VideoSpec s;
  s.container = "matroska", s.sound = false, s.seconds = 8, s.gop = 1;  // 80 key frames
  make_video(path("intra.mkv"), s);
  ContentRunReport r = ingest({path("intra.mkv")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  std::vector<std::string> frames = keyframes(source_atom("intra.mkv"));
  // At most 32, at least 8 s / 32 = 0.25 s apart: every third frame (0.3 s).
  ASSERT_EQ(frames.size(), 27u);
  EXPECT_EQ(frames[1], "0.300@64x48");
  EXPECT_EQ(frames[26], "7.800@64x48");
}

TEST_F(VideoIngestTest, SoundOnlyInAVideoContainerGivesTheAudioTrack) {
  VideoSpec s;
  s.container = "matroska", s.picture = false, s.seconds = 2, s.sample_rate = 48000;
  make_video(path("sound.mkv"), s);
  ContentRunReport r = ingest({path("sound.mkv")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t clip = source_atom("sound.mkv");
  EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(clip)), "video");  // libmagic's word
  EXPECT_EQ(meta(clip, "keyframes"), "0");
  EXPECT_EQ(meta(clip, "width"), "<null>");
  EXPECT_NEAR(std::stod(meta(clip, "audio_track_seconds")), 2.0, 0.1);
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE relation = 'audio_track'"), 1);
}

TEST_F(VideoIngestTest, AVideoInsideAZipIsExtractedLikeAFile) {
  VideoSpec s;
  s.container = "matroska", s.seconds = 2;
  make_video(path("inner.mkv"), s);
  write_archive(path("clips.zip"), "zip", "none", {{"clips/inner.mkv", read_bytes(path("inner.mkv"))}});
  ContentRunReport r = ingest({path("clips.zip")});
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  int64_t member = scalar("SELECT child_id FROM atom_relations WHERE relation = 'member'");
  EXPECT_EQ(text("SELECT modality || ' ' || mime FROM atoms WHERE id = " + std::to_string(member)), "video video/x-matroska");
  EXPECT_EQ(keyframes(member), (std::vector<std::string>{"0.000@64x48", "1.000@64x48"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE relation = 'audio_track' AND parent_id = " +
                   std::to_string(member)), 1);
}

TEST_F(VideoIngestTest, BrokenVideosAreBinaryWithTheErrorAndTheRunGoesOn) {
  make_video(path("whole.mp4"), {});
  std::string whole = read_bytes(path("whole.mp4"));
  write("truncated.mp4", whole.substr(0, whole.size() / 2));  // the index (moov) is at the end
  // An MP4 header followed by noise: libmagic calls it video, FFmpeg cannot read it.
  std::string noise(4000, '\0');
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 13);
  write("noise.mp4", whole.substr(0, 32) + noise);
  write("random.mp4", noise);  // not even a header: a binary atom like any unknown bytes
  VideoSpec s;
  s.container = "matroska";
  make_video(path("whole.mkv"), s);
  std::string mkv = read_bytes(path("whole.mkv"));
  write("truncated.mkv", mkv.substr(0, mkv.size() / 2));  // readable up to the cut
  ContentRunReport r = ingest({path("truncated.mp4"), path("noise.mp4"), path("random.mp4"), path("truncated.mkv"),
                               path("whole.mp4")});
  ASSERT_EQ(r.failures.size(), 3u) << all_errors(r.failures);
  EXPECT_NE(all_errors(r.failures).find("truncated.mkv: truncated: the streams end at 1."), std::string::npos)
      << all_errors(r.failures);
  for (const char* name : {"truncated.mp4", "noise.mp4", "truncated.mkv"}) {
    int64_t atom = source_atom(name);
    EXPECT_EQ(text("SELECT modality FROM atoms WHERE id = " + std::to_string(atom)), "binary");
    EXPECT_NE(text("SELECT error FROM atoms WHERE id = " + std::to_string(atom)).find(name), std::string::npos);
    EXPECT_EQ(scalar("SELECT count(*) FROM atom_relations WHERE parent_id = " + std::to_string(atom)), 0);  // rolled back
  }
  EXPECT_NE(all_errors(r.failures).find("not a video FFmpeg can read"), std::string::npos) << all_errors(r.failures);
  // Unknown bytes are a binary atom without an error, whatever their name.
  EXPECT_EQ(text("SELECT modality || ' ' || (error IS NULL) FROM atoms WHERE id = " +
                 std::to_string(source_atom("random.mp4"))), "binary 1");
  // The good video after them was extracted as usual.
  EXPECT_EQ(keyframes(source_atom("whole.mp4")).size(), 3u);
}

}  // namespace
}  // namespace hart::test
