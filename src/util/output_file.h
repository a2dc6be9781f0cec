// A file written front to back with every write checked. Writes go to PATH.tmp and
// are renamed into place by commit(), so a failed export never leaves a partial file
// under the requested name.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace hart {

class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();  // removes the temporary file unless commit() ran
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(const void* data, size_t size);
  void write_zeros(size_t size);
  // Pads with zero bytes up to the next multiple of `alignment`.
  void pad_to(uint64_t alignment);
  uint64_t offset() const { return offset_; }
  void commit();

  template <typename T>
  void put(T v) { write(&v, sizeof(T)); }

 private:
  std::string path_, tmp_path_;
  FILE* f_ = nullptr;
  uint64_t offset_ = 0;
  bool committed_ = false;
};

}  // namespace hart
