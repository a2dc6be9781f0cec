// Builds a Tokenizer from a GGUF file's metadata, as the engine will.
#pragma once
#include <string>

#include "formats/model_reader.h"
#include "tokenizer/tokenizer.h"
#include "util/mapped_file.h"

namespace hart::test {

inline Tokenizer load_tokenizer(const std::string& path) {
  MappedFile f(path);
  ModelFile m = read_model_file(f.data(), f.size(), path);
  return Tokenizer(m.metadata, m.metadata_types);
}

}  // namespace hart::test
