// What a file is, decided by its content (libmagic, and the model formats' own
// magic bytes), never by its name.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/extract/content_kind.h"

struct magic_set;  // libmagic's handle (magic_t)

namespace hart {

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
