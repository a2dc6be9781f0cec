#include "ingest/extract/video/ffmpeg_io.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "util/error.h"

namespace hart {
namespace {

thread_local std::string t_last_log;

void remember_log(void*, int level, const char* format, va_list args) {
  if (level > AV_LOG_ERROR) return;
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string s = line;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (!s.empty()) t_last_log = s;
}

}  // namespace

void quiet_ffmpeg() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(remember_log); });
  t_last_log.clear();
}

const std::string& ffmpeg_last_message() { return t_last_log; }

std::string ffmpeg_error(int rc) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(rc, buf, sizeof buf);
  std::string s = buf;
  if (!t_last_log.empty()) s += " (" + t_last_log + ")";
  return s;
}

CodecPtr open_decoder(const AVStream* st, std::string& problem) {
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    problem = std::string("no decoder for ") + avcodec_get_name(st->codecpar->codec_id);
    return nullptr;
  }
  CodecPtr ctx(ffmpeg_alloc(avcodec_alloc_context3(codec)));
  int rc = avcodec_parameters_to_context(ctx.get(), st->codecpar);
  ctx->thread_count = 1;  // the ingest runs beside other work; key frames are few
  ctx->pkt_timebase = st->time_base;
  if (rc >= 0) rc = avcodec_open2(ctx.get(), codec, nullptr);
  if (rc < 0) {
    problem = std::string("cannot open the ") + codec->name + " decoder: " + ffmpeg_error(rc);
    return nullptr;
  }
  return ctx;
}

}  // namespace hart
