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
//
// Details both directions agree on:
// - The alignment written is general.alignment (which must be a u32 power of two) or
//   32; model.alignment is not consulted, since a reader can only learn it from there.
// - Every tensor's data, the last one included, is padded to the alignment, and the
//   reader requires that padding to be in the file (ggml reads it too).
// - With no tensors, the padding after the tensor infos is written only when
//   model.data_offset says the source had it (ggml's writer pads, gguf-py's
//   vocab-only files do not).
// - Dimensions of 0 are allowed (an empty tensor); ggml's own tensors allow them.
// - Tag "arr[arr]" is an empty array of arrays (its inner element type is unknown).
//   Arrays of arrays must have one element tag; sibling arrays whose strings are
//   partly invalid UTF-8 are all stored as hexstr. Nesting is limited to 8 levels.
// - Tensor offsets need not follow ggml's exact layout (only alignment and bounds are
//   checked), and tensors may share bytes.
void write_gguf(const ModelFile& model, const TensorDataWriter& write_data, OutputFile& out);

}  // namespace hart
