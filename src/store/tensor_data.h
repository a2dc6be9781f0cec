// Reading stored tensors back: their descriptions, and their bytes chunk by chunk
// (each chunk's SHA-256 is checked, so silent corruption is caught on the way out).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "store/sqlite_api.h"

namespace hart {

struct TensorRow {
  int64_t id = 0, model_id = 0, position = 0;
  std::string name, kind;
  std::optional<int64_t> layer;
  std::vector<uint64_t> shape;  // outermost first
  DType dtype = DType::F32;
  uint64_t n_elements = 0, n_bytes = 0;
  double max_abs = 0;           // importance = |w| / max_abs
};

std::vector<TensorRow> model_tensors(sqlite3* db, int64_t model_id);
std::optional<TensorRow> tensor_by_id(sqlite3* db, int64_t tensor_id);

struct ChunkRef {
  int64_t ordinal;
  uint64_t elem_start, elem_count;
};

// Calls fn(chunk, bytes, n_bytes) for the tensor's chunks in order. Throws Error if a
// chunk is missing, has the wrong size or fails its SHA-256 check.
using ChunkFn = std::function<void(const ChunkRef&, const uint8_t*, size_t)>;
void for_each_chunk(sqlite3* db, const TensorRow& t, const ChunkFn& fn);

// Dequantized values of elements [from, to) of a tensor, read chunk by chunk.
void read_tensor_values(sqlite3* db, const TensorRow& t, uint64_t from, uint64_t to,
                        const std::function<void(uint64_t first_index, const float* v, size_t n)>& fn);
// Every element of a tensor, dequantized, in order.
std::vector<float> read_tensor_floats(sqlite3* db, const TensorRow& t);

}  // namespace hart
