// What a file is, decided by its content (libmagic, and the model formats' own
// magic bytes), never by its name.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

struct magic_set;  // libmagic's handle (magic_t)

namespace hart {

enum class ContentKind { kEmpty, kText, kArchive, kModel, kImage, kAudio, kVideo, kDocument, kBinary };

struct ContentType {
  ContentKind kind = ContentKind::kBinary;
  std::string mime;     // e.g. text/plain, application/zip
  std::string charset;  // libmagic's guess for text (utf-8, utf-16le, iso-8859-1, ...)
  bool compressed_stream = false;  // gzip/bzip2/xz/...: may hold one file rather than an archive
};

// The modality an atom of this kind gets.
const char* modality_of(ContentKind kind);

// One libmagic handle (not thread-safe: one per thread).
class ContentSniffer {
 public:
  ContentSniffer();  // throws Error when libmagic's database cannot be loaded
  ~ContentSniffer();
  ContentSniffer(const ContentSniffer&) = delete;
  ContentSniffer& operator=(const ContentSniffer&) = delete;

  // `prefix` is the start of the content (up to kSniffBytes), `total_size` its full size.
  ContentType sniff(const uint8_t* prefix, size_t n, uint64_t total_size);

  static constexpr size_t kSniffBytes = 1 << 20;

 private:
  ::magic_set* magic_ = nullptr;
};

}  // namespace hart
