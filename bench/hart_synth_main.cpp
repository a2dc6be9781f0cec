// hart-synth — writes a synthetic Llama-shaped GGUF (see synthetic_model.h).
//
//   hart-synth --out synth.gguf --dtype F16 --layers 4 --dim 2048 --ffn 5632 --vocab 32000
//   hart-synth --dry-run ...     prints the size without writing anything
//
// Prints one line of key=value pairs (easy to parse from shell scripts):
//   file=synth.gguf dtype=F16 parameters=307... tensor_bytes=... file_bytes=... seconds=...
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "synthetic_model.h"
#include "util/error.h"

int main(int argc, char** argv) {
  using namespace hart;
  bench::SyntheticOptions o;
  std::string out, dtype = "F16";
  bool dry_run = false;
  CLI::App app{"hart-synth — write a synthetic Llama-shaped GGUF with realistic weight distributions"};
  app.add_option("--out", out, "Output GGUF file");
  app.add_option("--dtype", dtype, "Matrix type: F32, F16, BF16, Q8_0 or Q4_0 (norms are always F32)")
      ->capture_default_str();
  app.add_option("--layers", o.shape.layers, "Transformer blocks")->capture_default_str();
  app.add_option("--dim", o.shape.dim, "Embedding length")->capture_default_str();
  app.add_option("--ffn", o.shape.ffn, "Feed-forward length")->capture_default_str();
  app.add_option("--vocab", o.shape.vocab, "Vocabulary size")->capture_default_str();
  app.add_option("--heads", o.shape.heads, "Attention heads")->capture_default_str();
  app.add_option("--kv-heads", o.shape.kv_heads, "Key/value heads (grouped-query attention)")->capture_default_str();
  app.add_option("--context", o.shape.context, "llama.context_length")->capture_default_str();
  app.add_flag("--tied-embeddings", o.shape.tied_embeddings, "No output.weight (the embedding is reused)");
  app.add_option("--seed", o.seed, "Random seed")->capture_default_str();
  app.add_option("--name", o.name, "general.name")->capture_default_str();
  app.add_option("--threads", o.threads, "Generator threads (0 = all cores)")->capture_default_str();
  app.add_flag("--dry-run", dry_run, "Print the sizes only");
  CLI11_PARSE(app, argc, argv);
  try {
    auto t = dtype_from_name(dtype);
    if (!t) throw UsageError("--dtype: unknown type '" + dtype + "'");
    o.dtype = *t;
    if (!dry_run && out.empty()) throw UsageError("--out is required (or pass --dry-run)");
    ModelFile layout = bench::synthetic_llama_layout(o);
    uint64_t params = bench::parameter_count(layout), tensor_bytes = bench::tensor_data_bytes(layout);
    if (dry_run) {
      std::printf("dtype=%s tensors=%zu parameters=%llu tensor_bytes=%llu\n", dtype.c_str(), layout.tensors.size(),
                  static_cast<unsigned long long>(params), static_cast<unsigned long long>(tensor_bytes));
      return 0;
    }
    auto start = std::chrono::steady_clock::now();
    uint64_t size = bench::write_synthetic_llama(o, out);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("file=%s dtype=%s tensors=%zu parameters=%llu tensor_bytes=%llu file_bytes=%llu seconds=%.2f\n",
                out.c_str(), dtype.c_str(), layout.tensors.size(), static_cast<unsigned long long>(params),
                static_cast<unsigned long long>(tensor_bytes), static_cast<unsigned long long>(size), secs);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-synth: error: %s\n", e.what());
    return 1;
  }
}
