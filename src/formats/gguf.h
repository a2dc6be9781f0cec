// GGUF (versions 2 and 3): reader and writer.
//
// Layout: magic "GGUF", u32 version, u64 tensor count, u64 metadata count, the
// metadata key/values, the tensor infos (name, n_dims, dims innermost first, GGML
// type, offset), padding to `general.alignment` (default 32), then the tensor data.
// Every count, length and offset read from the file is checked against the bytes
// that remain before it is used, so a hostile file cannot make us over-read or
// over-allocate.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "formats/model_file.h"
#include "util/output_file.h"

namespace hart {

inline constexpr uint64_t kGgufDefaultAlignment = 32;
inline constexpr uint32_t kGgufMaxDims = 4;

bool is_gguf(const uint8_t* data, size_t size);

// Parses and validates a whole GGUF file held in memory. `what` (usually the path)
// starts every error message. Throws FormatError.
ModelFile read_gguf(const uint8_t* data, size_t size, const std::string& what);

// Writes tensors[i].n_bytes bytes of tensor i to `out`.
using TensorDataWriter = std::function<void(size_t tensor_index, OutputFile& out)>;

// Writes `model` as GGUF: its format_version (2 or 3; 0 means 3), metadata in order
// with their type tags, tensor infos in order with offsets recomputed (each tensor
// aligned to `alignment`), then the data supplied by `write_data`. A file read by
// read_gguf and written back this way is byte-identical when its tensors were laid out
// in header order with minimal padding (what llama.cpp's writers do).
void write_gguf(const ModelFile& model, const TensorDataWriter& write_data, OutputFile& out);

}  // namespace hart
