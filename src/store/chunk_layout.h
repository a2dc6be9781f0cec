// How a tensor's bytes are cut into content-addressed chunks: fixed spans from the
// tensor's start, each a whole number of quantization blocks, about 64 KiB. The cut
// depends only on dtype and size, so identical tensors in two models produce
// identical chunks (and are stored once).
#pragma once
#include <cstdint>
#include <vector>

#include "formats/dtype.h"

namespace hart {

inline constexpr uint64_t kChunkTargetBytes = 64 * 1024;

struct ChunkSpan {
  uint64_t byte_offset;  // from the tensor's first byte
  uint64_t n_bytes;
  uint64_t elem_start;
  uint64_t elem_count;
};

// Spans covering [0, n_elements); n_elements must be whole blocks of `t`.
std::vector<ChunkSpan> chunk_spans(DType t, uint64_t n_elements);

}  // namespace hart
