// FFmpeg plumbing shared by the video extractor (extract_video.cpp) and its audio
// track (video_audio_track.cpp): owning pointers, errors that carry FFmpeg's own
// last message, decoders, and the spool file a key frame or an audio track is
// written to before it is ingested as an atom of its own.
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

#include "ingest/content_ingester.h"
#include "ingest/input_file.h"
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

// An anonymous temporary file (make_spool_file) being written; ingested once
// complete, as archive members are.
class SpoolFile {
 public:
  explicit SpoolFile(std::string where) : fd_(make_spool_file()), where_(std::move(where)) {}
  ~SpoolFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;
  void write_at(const void* data, size_t n, uint64_t offset) { spool_write(fd_, data, n, offset, where_); }
  StoredAtom ingest(ContentIngester& ingester, const std::string& subtype, Nesting& nesting) {
    InputFile file(std::exchange(fd_, -1), where_);
    return ingester.ingest(file, subtype, nesting);
  }

 private:
  int fd_;
  std::string where_;
};

}  // namespace hart
