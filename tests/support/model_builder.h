// Builds small model files for tests with the project's own GGUF and safetensors
// writers: tensors of any dtype filled with deterministic pseudo-random blocks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/model_file.h"

namespace hart::test {

struct BuiltTensor {
  std::string name;
  std::vector<uint64_t> shape;  // outermost first
  DType dtype = DType::F32;
  std::string bytes;            // raw tensor data
};

struct BuiltModel {
  std::string architecture = "llama";
  ordered_json metadata = ordered_json::object();        // extra keys (values)
  ordered_json metadata_types = ordered_json::object();  // their tags
  std::vector<BuiltTensor> tensors;

  // Adds a tensor whose bytes are valid random data of `dtype` (block scales finite).
  BuiltTensor& add(const std::string& name, std::vector<uint64_t> shape, DType dtype, uint32_t seed);
  // Adds an F32 tensor with the given values.
  BuiltTensor& add_f32(const std::string& name, std::vector<uint64_t> shape, const std::vector<float>& values);
  // Adds a tensor of `dtype` (one with a quantizer) holding N(0, stddev) values, as
  // trained matrices look.
  BuiltTensor& add_normal(const std::string& name, std::vector<uint64_t> shape, DType dtype, float stddev,
                          uint32_t seed);

  // A GGUF or safetensors file's metadata and tensors, to change (damage) and write again.
  static BuiltModel read(const std::string& path);

  ModelFile describe(const std::string& format) const;
  void write_gguf(const std::string& path) const;
  void write_safetensors(const std::string& path) const;
};

// Valid random bytes for n elements of `dtype`: F16/BF16/F32 normal values, and for
// quantized blocks random payloads with small finite f16 scales.
std::string random_tensor_bytes(DType dtype, uint64_t n_elements, uint32_t seed);

}  // namespace hart::test
