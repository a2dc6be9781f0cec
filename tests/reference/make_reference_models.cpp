// hart-reference-models — writes the tiny random-weight models the inference goldens
// in tests/golden/reference/ were computed from (see reference_models.h).
//
//   hart-reference-models --out /tmp/hart-ref
//
//   hart-reference-models --out /tmp/hart-ref --bert-from-vocab ggml-vocab-bert-bge.gguf [--layers N] [--dtype F16]
//
// writes only bert_from_vocab.gguf instead: a BERT with that vocabulary's tokenizer
// and shape and random weights, matrices stored as --dtype (write_bert_from_vocab),
// for embedding benchmarks.
//
// Prints one line per file in sha256sum's format (digest, two spaces, path relative
// to --out), so `cd /tmp/hart-ref && sha256sum -c LIST` checks a copy.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "formats/dtype.h"
#include "reference_models.h"

int main(int argc, char** argv) {
  std::string out, vocab, dtype = "F16";
  uint32_t layers = 0;
  CLI::App app{"hart-reference-models — write the reference models behind tests/golden/reference/"};
  app.add_option("--out", out, "Output directory (created if missing)")->required();
  app.add_option("--bert-from-vocab", vocab, "Write only bert_from_vocab.gguf, from this vocab-only BERT GGUF");
  app.add_option("--layers", layers, "With --bert-from-vocab: blocks (default: the vocab file's block count)");
  app.add_option("--dtype", dtype, "With --bert-from-vocab: the matrices' type (F32, F16, Q8_0, ...)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (!vocab.empty()) {
      auto type = hart::dtype_from_name(dtype);
      if (!type) throw std::runtime_error("unknown --dtype " + dtype);
      auto f = hart::reference::write_bert_from_vocab(vocab, out, "bert_from_vocab.gguf", layers, *type);
      std::printf("%s  %s\n", f.sha256.c_str(), f.path.c_str());
      return 0;
    }
    for (const auto& f : hart::reference::write_reference_models(out))
      std::printf("%s  %s\n", f.sha256.c_str(), f.path.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-reference-models: error: %s\n", e.what());
    return 1;
  }
}
