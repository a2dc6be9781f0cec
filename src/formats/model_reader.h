// Reads any supported model file, choosing the format by content (never by the
// file name's extension).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/model_file.h"

namespace hart {

// Throws FormatError naming `what` when the bytes are neither GGUF nor safetensors.
ModelFile read_model_file(const uint8_t* data, size_t size, const std::string& what);

}  // namespace hart
