#include "media/riff_walk.h"

#include <cstring>

namespace hart {
namespace {

uint32_t le32(const unsigned char* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24; }

}  // namespace

std::optional<WavDataChunk> find_wav_data_chunk(uint64_t size, const RiffRead& read) {
  unsigned char head[12];
  if (!read(0, head, 12) || std::memcmp(head, "RIFF", 4) || std::memcmp(head + 8, "WAVE", 4)) return std::nullopt;
  uint64_t pos = 12;
  for (int chunks = 0; chunks < kMaxWavChunks && pos + 8 <= size; ++chunks) {
    unsigned char chunk[8];
    if (!read(pos, chunk, 8)) return std::nullopt;
    uint64_t chunk_size = le32(chunk + 4);
    if (std::memcmp(chunk, "data", 4) == 0) return WavDataChunk{pos + 8, chunk_size};
    pos += 8 + chunk_size + (chunk_size & 1);  // chunks are padded to even sizes
  }
  return std::nullopt;
}

}  // namespace hart
