// The chunk walk of a RIFF/WAVE file, apart from any file API so that it can be
// fuzzed: it sees the bytes only through `read`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

namespace hart {

inline constexpr int kMaxWavChunks = 1000;  // RIFF chunks looked through for 'data'

// Fills `out` with the n bytes at `offset`; false when they cannot all be read.
using RiffRead = std::function<bool(uint64_t offset, unsigned char* out, size_t n)>;

struct WavDataChunk {
  uint64_t payload_offset;  // first byte after the chunk's 8-byte header
  uint64_t declared_size;   // its size field as written (0 or 0xFFFFFFFF: streamed)
};

// Walks the chunks of a `size`-byte file from the 'RIFF....WAVE' header up to the
// 'data' chunk, at most 1000 chunks. nullopt when the file is not RIFF/WAVE, a read
// fails, or no 'data' chunk header lies within the file.
std::optional<WavDataChunk> find_wav_data_chunk(uint64_t size, const RiffRead& read);

}  // namespace hart
