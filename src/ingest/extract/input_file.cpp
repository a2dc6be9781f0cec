#include "ingest/extract/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "util/error.h"

namespace hart {
namespace {

constexpr size_t kReadPiece = 1 << 20;

[[noreturn]] void fail(const std::string& what, const char* action) {
  throw Error(what + ": " + action + ": " + std::strerror(errno));
}

}  // namespace

InputFile::InputFile(const std::string& path, std::string display, uint64_t max_unsized) : display_(std::move(display)) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(display_, "cannot open");
  stat_now();
  if (size_ == 0) spool_if_unsized(max_unsized);
}

InputFile::InputFile(int fd, std::string display) : fd_(fd), display_(std::move(display)) { stat_now(); }

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::stat_now() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) fail(display_, "cannot stat");
  if (!S_ISREG(st.st_mode)) throw Error(display_ + ": not a regular file");
  size_ = static_cast<uint64_t>(st.st_size);
  mtime_ns_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Sequential read(): some pseudo-files refuse pread().
void InputFile::spool_if_unsized(uint64_t max_unsized) {
  struct Spool {
    int fd = -1;
    ~Spool() {
      if (fd >= 0) ::close(fd);
    }
  } spool;
  std::vector<char> buf(kReadPiece);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(display_, "cannot read");
    if (n == 0) break;
    if (total + static_cast<uint64_t>(n) > max_unsized)
      throw Error(display_ + ": its size reads as 0 bytes but it holds more than " + std::to_string(max_unsized) +
                  " bytes; not read further");
    if (spool.fd < 0) spool.fd = make_spool_file();
    spool_write(spool.fd, buf.data(), static_cast<size_t>(n), total, display_);
    total += static_cast<uint64_t>(n);
  }
  if (total == 0) return;  // really empty
  ::close(fd_);
  fd_ = std::exchange(spool.fd, -1);
  size_ = total;
}

std::string InputFile::prefix(size_t max) const {
  std::string out(max, '\0');
  size_t got = 0;
  while (got < max) {
    ssize_t n = ::pread(fd_, out.data() + got, max - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(display_, "cannot read");
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

uint64_t InputFile::stream(const std::function<void(const char*, size_t)>& piece) const {
  std::vector<char> buf(kReadPiece);
  uint64_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(display_, "cannot read");
    if (n == 0) return off;
    piece(buf.data(), static_cast<size_t>(n));
    off += static_cast<uint64_t>(n);
  }
}

std::string InputFile::read_all(uint64_t max) const {
  if (size_ > max)
    throw Error(display_ + ": " + std::to_string(size_) + " bytes is more than the " + std::to_string(max) +
                "-byte limit for reading it whole");
  std::string out;
  out.reserve(size_);
  stream([&](const char* p, size_t n) {
    if (out.size() + n > max) throw Error(display_ + ": grew past " + std::to_string(max) + " bytes while being read");
    out.append(p, n);
  });
  return out;
}

int make_spool_file() {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/hart-spool-XXXXXX";
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) fail(pattern, "cannot create a temporary file (set TMPDIR to a writable folder)");
  ::unlink(pattern.c_str());
  return fd;
}

void spool_write(int fd, const void* data, size_t n, uint64_t offset, const std::string& where) {
  const char* p = static_cast<const char*>(data);
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::pwrite(fd, p + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) fail(where, "cannot write the temporary copy (is $TMPDIR full?)");
    done += static_cast<size_t>(w);
  }
}

}  // namespace hart
