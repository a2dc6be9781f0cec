// What kind of content a file holds, as the dispatcher decided it
// (dispatch/content_type.h, libmagic) and as extractors see it (ExtractContext::type()).
#pragma once
#include <string>

namespace hart {

enum class ContentKind { kEmpty, kText, kArchive, kModel, kImage, kAudio, kVideo, kDocument, kBinary };

struct ContentType {
  ContentKind kind = ContentKind::kBinary;
  std::string mime;     // e.g. text/plain, application/zip
  std::string charset;  // libmagic's guess for text (utf-8, utf-16le, iso-8859-1, ...)
  bool compressed_stream = false;  // gzip/bzip2/xz/...: may hold one file rather than an archive
};

}  // namespace hart
