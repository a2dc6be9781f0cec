// Builds a Tokenizer from a GGUF file's metadata, as the engine will.
#pragma once
#include <string>
#include <vector>

#include "formats/model_reader.h"
#include "support/test_support.h"
#include "tokenizer/tokenizer.h"
#include "util/mapped_file.h"

namespace hart::test {

inline Tokenizer load_tokenizer(const std::string& path) {
  MappedFile f(path);
  ModelFile m = read_model_file(f.data(), f.size(), path);
  return Tokenizer(m.metadata, m.metadata_types);
}

// The inputs of llama.cpp's test vectors (`gguf` + ".inp"), split on its separator.
inline std::vector<std::string> read_vocab_inputs(const std::string& gguf) {
  const std::string raw = read_file(gguf + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (size_t pos = 0; pos < raw.size();) {
    size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      inputs.push_back(raw.substr(pos));
      break;
    }
    inputs.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  return inputs;
}

}  // namespace hart::test
