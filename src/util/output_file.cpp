#include "util/output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace hart {

OutputFile::OutputFile(const std::string& path) : path_(path), tmp_path_(path + ".tmp") {
  f_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!f_) throw Error(tmp_path_ + ": cannot create: " + std::strerror(errno));
  std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
}

OutputFile::~OutputFile() {
  if (f_) std::fclose(f_);
  if (!committed_) std::remove(tmp_path_.c_str());
}

void OutputFile::write(const void* data, size_t size) {
  if (size && std::fwrite(data, 1, size, f_) != size)
    throw Error(tmp_path_ + ": write failed: " + std::strerror(errno));
  offset_ += size;
}

void OutputFile::write_zeros(size_t size) {
  static const std::vector<uint8_t> zeros(4096, 0);
  while (size > 0) {
    size_t n = size < zeros.size() ? size : zeros.size();
    write(zeros.data(), n);
    size -= n;
  }
}

void OutputFile::pad_to(uint64_t alignment) {
  if (alignment > 1 && offset_ % alignment) write_zeros(alignment - offset_ % alignment);
}

void OutputFile::commit() {
  if (std::fflush(f_) != 0 || std::fclose(f_) != 0) {
    f_ = nullptr;
    throw Error(tmp_path_ + ": flush failed: " + std::strerror(errno));
  }
  f_ = nullptr;
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    throw Error(path_ + ": cannot move finished file into place: " + std::strerror(errno));
  committed_ = true;
}

}  // namespace hart
