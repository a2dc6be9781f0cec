// Content an extractor derives (a video key frame or audio track, a picture inside
// a PDF, a page of a TIFF) written to an anonymous temporary file, then ingested as
// an atom of its own, as archive members are, so it gets its kind's extractor.
#pragma once
#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

#include "ingest/extract/context.h"
#include "ingest/extract/input_file.h"

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
  StoredAtom ingest(ExtractContext& ctx, const std::string& subtype) {
    InputFile file(std::exchange(fd_, -1), where_);
    return ctx.ingest_child(file, subtype);
  }

 private:
  int fd_;
  std::string where_;
};

// `bytes` spooled whole and ingested (`where` names it in messages).
inline StoredAtom ingest_spooled(ExtractContext& ctx, std::string_view bytes, const std::string& where,
                                 const std::string& subtype) {
  SpoolFile spool(where);
  spool.write_at(bytes.data(), bytes.size(), 0);
  return spool.ingest(ctx, subtype);
}

}  // namespace hart
