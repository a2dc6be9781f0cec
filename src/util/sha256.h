// SHA-256 through OpenSSL (which uses SHA-NI / AVX2 where the CPU has them), opened on first use.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hart {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(const void* data, size_t size);
std::string to_hex(const Sha256Digest& digest);
// Any bytes as lowercase hex.
std::string to_hex(const void* data, size_t size);

// Incremental hashing for streams too large to hold at once.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(const void* data, size_t size);
  Sha256Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hart
