#include "formats/model_reader.h"

#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "util/error.h"

namespace hart {

ModelFile read_model_file(const uint8_t* data, size_t size, const std::string& what) {
  if (is_gguf(data, size)) return read_gguf(data, size, what);
  if (is_safetensors(data, size)) return read_safetensors(data, size, what);
  throw FormatError(what +
                    ": not a model file: neither GGUF (magic 'GGUF') nor safetensors "
                    "(u64 header length followed by a JSON object)");
}

}  // namespace hart
