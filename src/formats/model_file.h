// What a model file says about itself, independent of the format it came in:
// metadata in file order with the exact type of every value, and tensor
// descriptions whose byte ranges have been checked against the file.
//
// Shapes are outermost dimension first (row-major, as NumPy/PyTorch/safetensors
// write them). GGUF lists dimensions innermost first (ne[0] = row length); the GGUF
// reader and writer reverse them.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/dtype.h"

namespace hart {

using ordered_json = nlohmann::ordered_json;

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> shape;  // outermost first
  DType dtype = DType::F32;
  uint64_t offset = 0;          // byte offset from ModelFile::data_offset
  uint64_t n_elements = 0;      // product of shape (checked for overflow)
  uint64_t n_bytes = 0;         // dtype_row_bytes(dtype, n_elements)
};

struct ModelFile {
  std::string format;           // "gguf" or "safetensors"
  uint32_t format_version = 0;  // GGUF version (2 or 3); 0 for safetensors
  uint64_t alignment = 0;       // GGUF data alignment (general.alignment or 32); 8 for safetensors
  // key -> value, in file order. Values are plain JSON (numbers, strings, bools, arrays),
  // except that large arrays of numbers or bools are compact (compact_array.h).
  ordered_json metadata = ordered_json::object();
  // key -> type tag, in file order, so a writer reproduces the exact bytes:
  //   "u8" "i8" "u16" "i16" "u32" "i32" "u64" "i64" "f32" "f64" "bool" "str"
  //   "hexstr"      a string that is not valid UTF-8; its JSON value is lowercase hex
  //   "arr[T]"      an array whose elements have tag T (nesting allowed: "arr[arr[i32]]")
  // safetensors __metadata__ entries are all "str".
  ordered_json metadata_types = ordered_json::object();
  std::vector<TensorInfo> tensors;  // in header order
  uint64_t data_offset = 0;         // file offset where tensor data begins
  std::string architecture;         // general.architecture, or guessed from tensor names
};

}  // namespace hart
