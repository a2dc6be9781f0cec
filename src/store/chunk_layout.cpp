#include "store/chunk_layout.h"

#include <algorithm>

namespace hart {

std::vector<ChunkSpan> chunk_spans(DType t, uint64_t n_elements) {
  const DTypeInfo& info = dtype_info(t);
  uint64_t blocks_per_chunk = std::max<uint64_t>(1, kChunkTargetBytes / info.block_bytes);
  uint64_t total_blocks = n_elements / info.block_elems;
  std::vector<ChunkSpan> spans;
  spans.reserve(total_blocks / blocks_per_chunk + 1);
  for (uint64_t b = 0; b < total_blocks; b += blocks_per_chunk) {
    uint64_t n = std::min(blocks_per_chunk, total_blocks - b);
    spans.push_back({b * info.block_bytes, n * info.block_bytes, b * info.block_elems, n * info.block_elems});
  }
  return spans;
}

}  // namespace hart
