// A read-only memory map of a whole file. Parsers read through ByteReader
// (util/byte_reader.h), which checks every offset against size().
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace hart {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws Error naming the path
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Tell the kernel we will read front to back (bigger read-ahead).
  void advise_sequential() const;

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace hart
