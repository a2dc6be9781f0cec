// Content an extractor derives (a video key frame or audio track, a picture inside
// a PDF, a page of a TIFF) written to an anonymous temporary file, then ingested as
// an atom of its own, as archive members are, so it gets its kind's extractor.
#pragma once
#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

#include "ingest/content_ingester.h"
#include "ingest/input_file.h"

namespace hart {

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

// `bytes` spooled whole and ingested (`where` names it in messages).
inline StoredAtom ingest_spooled(ContentIngester& ingester, std::string_view bytes, const std::string& where,
                                 const std::string& subtype, Nesting& nesting) {
  SpoolFile spool(where);
  spool.write_at(bytes.data(), bytes.size(), 0);
  return spool.ingest(ingester, subtype, nesting);
}

}  // namespace hart
