// Bounds-checked little-endian reads over untrusted bytes. Every read checks the
// remaining length first, so a size or offset taken from a file can never make us
// read (or allocate) past the file's end.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "util/error.h"

namespace hart {

class ByteReader {
 public:
  // `what` names the source in error messages (usually the file path).
  ByteReader(const uint8_t* data, size_t size, std::string what)
      : data_(data), size_(size), what_(std::move(what)) {}

  size_t offset() const { return pos_; }
  size_t size() const { return size_; }
  size_t remaining() const { return size_ - pos_; }
  const std::string& what() const { return what_; }

  template <typename T>
  T read(const char* field) {
    need(sizeof(T), field);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));  // x86-64 and aarch64 are little-endian
    pos_ += sizeof(T);
    return v;
  }

  // Views `n` bytes in place; `n` comes from the file, so it is checked first.
  std::string_view bytes(uint64_t n, const char* field) {
    need(n, field);
    std::string_view v(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return v;
  }

  void skip(uint64_t n, const char* field) { bytes(n, field); }

  // Throws unless at least `n` more bytes exist.
  void need(uint64_t n, const char* field) const {
    if (n > remaining())
      throw FormatError(what_ + ": truncated: " + field + " needs " + std::to_string(n) +
                        " bytes at offset " + std::to_string(pos_) + " but only " +
                        std::to_string(remaining()) + " remain");
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace hart
