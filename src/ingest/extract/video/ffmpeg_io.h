// FFmpeg plumbing shared by the video extractor (extract_video.cpp) and its audio
// track (video_audio_track.cpp): owning pointers, errors that carry FFmpeg's own
// last message, and decoders. Key frames and audio tracks are written to a
// SpoolFile (spool_file.h) and ingested as atoms of their own.
#pragma once
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "ingest/extract/spool_file.h"
#include "util/error.h"

namespace hart {

// FFmpeg prints to stderr by default: this replaces that (once) with keeping the last
// error message of each thread, and forgets this thread's.
void quiet_ffmpeg();
const std::string& ffmpeg_last_message();
// av_strerror's text for `rc`, with FFmpeg's last message when there is one.
std::string ffmpeg_error(int rc);

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

// `p`, or Error when FFmpeg could not allocate it.
template <typename T>
T* ffmpeg_alloc(T* p) {
  if (!p) throw Error("FFmpeg: out of memory");
  return p;
}

// An opened decoder for `st` (one thread), or null with `problem` saying why not.
CodecPtr open_decoder(const AVStream* st, std::string& problem);

}  // namespace hart
