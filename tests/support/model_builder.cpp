#include "support/model_builder.h"

#include <cstring>
#include <random>

#include "formats/gguf.h"
#include "formats/model_reader.h"
#include "formats/safetensors.h"
#include "util/mapped_file.h"
#include "util/output_file.h"

namespace hart::test {
namespace {

// Byte offsets of the f16 scale fields inside one block, per quantized type.
std::vector<size_t> scale_offsets(DType t) {
  switch (t) {
    case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: return {0};
    case DType::Q4_1: case DType::Q5_1: case DType::Q8_1: return {0, 2};
    case DType::Q2_K: return {80, 82};
    case DType::Q3_K: return {108};
    case DType::Q4_K: case DType::Q5_K: return {0, 2};
    case DType::Q6_K: return {208};
    case DType::IQ4_NL: case DType::IQ4_XS: return {0};
    default: return {};
  }
}

}  // namespace

std::string random_tensor_bytes(DType dtype, uint64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  const DTypeInfo& info = dtype_info(dtype);
  std::string out(*dtype_row_bytes(dtype, n), '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  switch (dtype) {
    case DType::F32:
      for (uint64_t i = 0; i < n; ++i) {
        float v = normal(rng);
        std::memcpy(p + 4 * i, &v, 4);
      }
      return out;
    case DType::F16: case DType::BF16:
      for (uint64_t i = 0; i < n; ++i) {
        uint16_t h = dtype == DType::F16 ? f32_to_f16(normal(rng)) : f32_to_bf16(normal(rng));
        std::memcpy(p + 2 * i, &h, 2);
      }
      return out;
    default: break;
  }
  for (auto& b : out) b = static_cast<char>(rng() & 0xFF);
  if (dtype == DType::Q8_K) {  // its scale is an f32 at offset 0
    for (uint64_t b = 0; b < n / info.block_elems; ++b) {
      float d = 0.01f * static_cast<float>(rng() % 100 + 1);
      std::memcpy(p + b * info.block_bytes, &d, 4);
    }
    return out;
  }
  for (uint64_t b = 0; b < n / info.block_elems; ++b)
    for (size_t off : scale_offsets(dtype)) {
      uint16_t h = f32_to_f16(0.001f * static_cast<float>(rng() % 2000 + 1) * (rng() & 1 ? 1 : -1));
      std::memcpy(p + b * info.block_bytes + off, &h, 2);
    }
  return out;
}

BuiltTensor& BuiltModel::add(const std::string& name, std::vector<uint64_t> shape, DType dtype, uint32_t seed) {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  tensors.push_back({name, std::move(shape), dtype, random_tensor_bytes(dtype, n, seed)});
  return tensors.back();
}

BuiltTensor& BuiltModel::add_f32(const std::string& name, std::vector<uint64_t> shape,
                                 const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  tensors.push_back({name, std::move(shape), DType::F32, std::move(bytes)});
  return tensors.back();
}

BuiltTensor& BuiltModel::add_normal(const std::string& name, std::vector<uint64_t> shape, DType dtype,
                                    float stddev, uint32_t seed) {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  std::string bytes(*dtype_row_bytes(dtype, n), '\0');
  quantize(dtype, values.data(), bytes.data(), n);
  tensors.push_back({name, std::move(shape), dtype, std::move(bytes)});
  return tensors.back();
}

BuiltModel BuiltModel::read(const std::string& path) {
  MappedFile file(path);
  ModelFile f = read_model_file(file.data(), file.size(), path);
  BuiltModel m;
  m.architecture = f.architecture;
  for (auto& [k, v] : f.metadata.items())
    if (k != "general.architecture") {  // describe() writes it from `architecture`
      m.metadata[k] = v;
      m.metadata_types[k] = f.metadata_types[k];
    }
  for (const TensorInfo& t : f.tensors)
    m.tensors.push_back({t.name, t.shape, t.dtype,
                         std::string(reinterpret_cast<const char*>(file.data() + f.data_offset + t.offset), t.n_bytes)});
  return m;
}

ModelFile BuiltModel::describe(const std::string& format) const {
  ModelFile f;
  f.format = format;
  f.format_version = format == "gguf" ? 3 : 0;
  f.alignment = format == "gguf" ? kGgufDefaultAlignment : 8;
  f.architecture = architecture;
  if (format == "gguf") {
    f.metadata["general.architecture"] = architecture;
    f.metadata_types["general.architecture"] = "str";
  }
  for (auto& [k, v] : metadata.items()) {
    f.metadata[k] = v;
    f.metadata_types[k] = metadata_types.contains(k) ? metadata_types[k] : ordered_json("str");
  }
  for (const BuiltTensor& t : tensors) {
    uint64_t n = 1;
    for (uint64_t d : t.shape) n *= d;
    f.tensors.push_back({t.name, t.shape, t.dtype, 0, n, t.bytes.size()});
  }
  return f;
}

void BuiltModel::write_gguf(const std::string& path) const {
  OutputFile out(path);
  hart::write_gguf(describe("gguf"), [&](size_t i, OutputFile& o) { o.write(tensors[i].bytes.data(), tensors[i].bytes.size()); }, out);
  out.commit();
}

void BuiltModel::write_safetensors(const std::string& path) const {
  OutputFile out(path);
  hart::write_safetensors(describe("safetensors"), [&](size_t i, OutputFile& o) { o.write(tensors[i].bytes.data(), tensors[i].bytes.size()); }, out);
  out.commit();
}

}  // namespace hart::test
