// safetensors: u64 header length, a JSON header {name: {dtype, shape, data_offsets},
// "__metadata__": {string: string}}, then the tensor bytes. Reader and writer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "formats/gguf.h"  // TensorDataWriter
#include "formats/model_file.h"

namespace hart {

inline constexpr uint64_t kSafetensorsMaxHeader = 100u << 20;  // as the reference library

// Cheap sniff: a header length that fits in the file followed by '{' (a header longer
// than kSafetensorsMaxHeader is recognised, so that reading it can refuse it by name).
bool is_safetensors(const uint8_t* data, size_t size);

// Parses and validates a whole safetensors file held in memory. Tensors come in the
// order their data lies in the file. Throws FormatError naming `what`.
ModelFile read_safetensors(const uint8_t* data, size_t size, const std::string& what);

// Writes `model` as safetensors (header padded with spaces to a multiple of 8, tensor
// data back to back in the order of model.tensors). Only metadata tagged "str" can be
// written; anything else is an Error naming the key.
void write_safetensors(const ModelFile& model, const TensorDataWriter& write_data, OutputFile& out);

// Architecture from Hugging Face-style tensor names: "llama", "gpt2", "bert" or
// "unknown". Used when a file's metadata does not say.
std::string guess_architecture(const std::vector<TensorInfo>& tensors);

}  // namespace hart
