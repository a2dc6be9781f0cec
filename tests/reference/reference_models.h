// Tiny random-weight Llama, GPT-2 and BERT models for the inference golden tests,
// written with the project's own GGUF and safetensors writers.
//
// tests/reference/*_ref.py (PyTorch) run these exact files and store their logits
// and embeddings in tests/golden/reference/, each golden recording the SHA-256 of
// the file it was computed from. The files are not committed: they are a pure
// function of the code below (fixed seeds, integer random numbers, IEEE-exact
// arithmetic, no libm), so any build regenerates identical bytes, and a test can
// regenerate them and compare SHA-256s before comparing outputs.
//
// Files (see reference_model_specs() for shapes):
//   llama_f32.gguf llama_f16.gguf llama_q8_0.gguf llama_q4_0.gguf
//       the same float weights; every 2-D tensor stored in that type, norms F32
//   llama_tied_f32.gguf
//       another Llama (8 heads / 2 KV heads, rope base 500000, eps 1e-6) whose output
//       projection is token_embd (no output.weight)
//   gpt2_f32.gguf        llama.cpp's gpt2 layout (fused attn_qkv, output = copy of token_embd)
//   gpt2-hf/model.safetensors + gpt2-hf/config.json   the same weights, Hugging Face names
//                        (Conv1D weights stored [in, out])
//   bert_f32.gguf        llama.cpp's bert layout
//   bert-hf/model.safetensors + bert-hf/config.json   the same weights, HF BertModel names
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/dtype.h"

namespace hart::reference {

struct WrittenFile {
  std::string path;    // relative to the output directory
  uint64_t bytes = 0;
  std::string sha256;  // lowercase hex
};

// Writes every reference model into `dir` (created if missing). Returns the files in
// the order written.
std::vector<WrittenFile> write_reference_models(const std::string& dir);

// A BERT with the vocabulary, tokenizer and shape of a vocab-only BERT GGUF (llama.cpp's
// ggml-vocab-bert-bge.gguf keeps bge-small-en-v1.5's metadata: 384 wide, 12 heads,
// 1536 FFN, 512 context) and bert_f32.gguf's kind of random weights: real
// tokenization and a real model's cost per token, not its meaning. `layers` 0 keeps
// the file's block count. Matrices stored as `matrix_type` (F32, F16 or Q8_0; the
// file type says which), 1-D tensors F32. Writes dir/rel.
WrittenFile write_bert_from_vocab(const std::string& vocab_gguf, const std::string& dir, const std::string& rel,
                                  uint32_t layers = 0, DType matrix_type = DType::F16);

// The random values: element i of the tensor named `name` in the model seeded
// `seed` is mean + stddev * z, z from 4 uniform 16-bit integers (Irwin-Hall, scaled
// to unit variance), all in IEEE double, then rounded once to float.
void reference_values(uint64_t seed, const std::string& name, float mean, float stddev, float* out, uint64_t n);

}  // namespace hart::reference
