// Synthetic Llama-shaped models for benchmarks and tests: a GGUF file with the
// tensor names, shapes, metadata and tokenizer layout llama.cpp's converter writes,
// filled with random values distributed like a trained model's:
//
//   norm weights (attn_norm, ffn_norm, output_norm)   1 + N(0, 0.05), always F32
//   token_embd, output                                N(0, 0.02)
//   attention and feed-forward matrices               N(0, 0.02) with rare outliers
//                                                      (about 1 in 10^4 elements,
//                                                      6 to 20 sigma, either sign)
//
// Values are a pure function of (seed, tensor index, element index): the same
// options give the same bytes whatever the thread count. Matrices are stored in
// the requested type (F32, F16, BF16, Q8_0, Q4_0 through hart::quantize); 1-D
// tensors stay F32, as llama.cpp keeps them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/model_file.h"

namespace hart::bench {

struct LlamaShape {
  uint32_t layers = 4;
  uint32_t dim = 2048;       // embedding length
  uint32_t ffn = 5632;       // feed-forward length
  uint32_t vocab = 32000;
  uint32_t heads = 32;
  uint32_t kv_heads = 4;     // grouped-query attention; = heads for plain multi-head
  uint32_t context = 2048;
  bool tied_embeddings = false;  // no separate output.weight (token_embd is reused)
};

struct SyntheticOptions {
  LlamaShape shape;
  DType dtype = DType::F16;  // matrices; norms are F32
  uint64_t seed = 1;
  std::string name = "synth";  // general.name
  unsigned threads = 0;        // 0 = all cores
};

// The distribution a tensor's values are drawn from.
struct ValueDistribution {
  float mean = 0, stddev = 0.02f;
  double outlier_rate = 0;                 // probability per element
  float outlier_min = 6, outlier_max = 20;  // |outlier - mean| in units of stddev
};

ValueDistribution distribution_for(const std::string& tensor_name);

// Throws Error when the shape cannot be stored (dims not multiples of the block
// size, heads not dividing dim, too small a vocabulary, ...).
void validate(const SyntheticOptions& options);

// The model without its data: metadata (general.*, llama.*, tokenizer.ggml.*) and
// tensor infos with n_elements, n_bytes and offsets filled in.
ModelFile synthetic_llama_layout(const SyntheticOptions& options);

// Sum of the tensors' n_bytes (the file adds the header and alignment padding).
uint64_t tensor_data_bytes(const ModelFile& layout);
uint64_t parameter_count(const ModelFile& layout);

// Fills out[0, count) with elements [first, first + count) of tensor `index`.
void generate_values(const SyntheticOptions& options, size_t index, const TensorInfo& t, uint64_t first,
                     uint64_t count, float* out);

// Writes the GGUF file through hart::write_gguf; returns its size in bytes.
uint64_t write_synthetic_llama(const SyntheticOptions& options, const std::string& path);

}  // namespace hart::bench
