// The RIFF/WAVE chunk walk over arbitrary bytes. Whatever it returns must point into
// the input, just past a 'data' chunk header; reads must stay inside the input.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "media/riff_walk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto read = [&](uint64_t offset, unsigned char* out, size_t n) {
    if (offset > size || n > size - offset) return false;
    std::memcpy(out, data + offset, n);
    return true;
  };
  std::optional<hart::WavDataChunk> chunk = hart::find_wav_data_chunk(size, read);
  if (chunk && (chunk->payload_offset > size || chunk->payload_offset < 20 ||
                std::memcmp(data + chunk->payload_offset - 8, "data", 4) != 0)) {
    std::fprintf(stderr, "data chunk at %llu is not a 'data' header inside %zu bytes\n",
                 static_cast<unsigned long long>(chunk->payload_offset), size);
    std::abort();
  }
  return 0;
}
