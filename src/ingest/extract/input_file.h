// A file being ingested, read with plain read() calls. Not memory-mapped on purpose:
// a file truncated by someone else while mapped kills the process with SIGBUS,
// while read() just returns fewer bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace hart {

// A file whose stat size is 0 is read to its end (Linux /proc and /sys files are
// sized only by reading them); holding more than this many bytes, it is refused.
inline constexpr uint64_t kMaxUnsizedFileBytes = 256ull << 20;

class InputFile {
 public:
  // Opens `path` (throws Error naming it and the reason); `display` names it in
  // messages (an archive member's "archive.zip!dir/file.txt"). A file of stat size 0
  // that holds bytes is copied to a spool file (at most `max_unsized` bytes), which
  // stands in for it, so size() is what it holds.
  InputFile(const std::string& path, std::string display, uint64_t max_unsized = kMaxUnsizedFileBytes);
  // Takes ownership of an open descriptor (a spooled archive member).
  InputFile(int fd, std::string display);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }
  int64_t mtime_ns() const { return mtime_ns_; }
  const std::string& display() const { return display_; }

  // The first up-to-`max` bytes.
  std::string prefix(size_t max) const;
  // Whole content in pieces from the start; returns the bytes read (fewer than
  // size() if the file shrank meanwhile).
  uint64_t stream(const std::function<void(const char*, size_t)>& piece) const;
  // Whole content in memory; throws Error when it is larger than `max`.
  std::string read_all(uint64_t max) const;

 private:
  void stat_now();
  void spool_if_unsized(uint64_t max_unsized);
  int fd_ = -1;
  uint64_t size_ = 0;
  int64_t mtime_ns_ = 0;
  std::string display_;
};

// An anonymous temporary file (unlinked at once; gone when closed) in $TMPDIR.
// Extractors spool what they unpack or render (archive members, video key frames
// and audio tracks) into one and ingest it as an InputFile of its own.
int make_spool_file();
// Writes all `n` bytes at `offset` of a spool file; throws Error naming `where`.
void spool_write(int fd, const void* data, size_t n, uint64_t offset, const std::string& where);

}  // namespace hart
