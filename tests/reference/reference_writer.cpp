#include "reference_writer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "util/error.h"
#include "util/output_file.h"
#include "util/sha256.h"

namespace hart::reference {
namespace {

// ------------------------------------------------------------------ random values

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

}  // namespace

void reference_values(uint64_t seed, const std::string& name, float mean, float stddev, float* out, uint64_t n) {
  uint64_t state = seed ^ fnv1a(name);
  constexpr double kSqrt3 = 1.7320508075688772;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t r = splitmix64(state);
    double sum = 0;  // sum of 4 uniforms on (0, 1): mean 2, variance 1/3
    for (int k = 0; k < 4; ++k) sum += (static_cast<double>((r >> (16 * k)) & 0xFFFF) + 0.5) / 65536.0;
    const double z = (sum - 2.0) * kSqrt3;
    out[i] = static_cast<float>(static_cast<double>(mean) + static_cast<double>(stddev) * z);
  }
}

// ------------------------------------------------------------------ model building

Tensor& Weights::add(const std::string& name, std::vector<uint64_t> shape, float mean, float stddev) {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  Tensor t{name, std::move(shape), std::vector<float>(n)};
  reference_values(seed_, name, mean, stddev, t.values.data(), n);
  list_.push_back(std::move(t));
  return list_.back();
}

Tensor& Weights::matrix(const std::string& name, uint64_t out, uint64_t in, double gain) {
  return add(name, {out, in}, 0.0f, static_cast<float>(gain / std::sqrt(static_cast<double>(in))));
}

const Tensor& Weights::get(const std::string& name) const {
  for (const Tensor& t : list_)
    if (t.name == name) return t;
  throw Error("reference models: no tensor " + name);
}

Tensor transposed(const Tensor& t, std::string name) {  // 2-D only
  const uint64_t r = t.shape[0], c = t.shape[1];
  Tensor o{std::move(name), {c, r}, std::vector<float>(t.values.size())};
  for (uint64_t i = 0; i < r; ++i)
    for (uint64_t j = 0; j < c; ++j) o.values[j * r + i] = t.values[i * c + j];
  return o;
}

Tensor renamed(const Tensor& t, std::string name) { return Tensor{std::move(name), t.shape, t.values}; }

void put(ModelFile& m, const std::string& key, ordered_json value, const char* tag) {
  m.metadata[key] = std::move(value);
  m.metadata_types[key] = tag;
}

static std::string hex_sha256_of_file(const std::string& path, uint64_t& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("reference models: cannot read back " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string data = ss.str();
  bytes = data.size();
  return to_hex(sha256(data.data(), data.size()));
}

Writer::Writer(std::string dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_); }

void Writer::gguf(const std::string& rel, ModelFile m, const std::vector<Tensor>& tensors, DType matrix_type) {
    m.format = "gguf";
    m.format_version = 3;
    m.alignment = kGgufDefaultAlignment;
    std::vector<std::vector<uint8_t>> data;
    for (const Tensor& t : tensors) {
      TensorInfo info;
      info.name = t.name;
      info.shape = t.shape;
      info.dtype = t.shape.size() == 1 ? DType::F32 : matrix_type;
      info.n_elements = t.values.size();
      info.n_bytes = *dtype_row_bytes(info.dtype, info.n_elements);
      std::vector<uint8_t> bytes(info.n_bytes);
      quantize(info.dtype, t.values.data(), bytes.data(), t.values.size());
      data.push_back(std::move(bytes));
      m.tensors.push_back(std::move(info));
    }
    const std::string path = dir_ + "/" + rel;
    {
      OutputFile out(path);
      write_gguf(m, [&](size_t i, OutputFile& f) { f.write(data[i].data(), data[i].size()); }, out);
      out.commit();
    }
    record(rel);
  }

void Writer::safetensors(const std::string& rel, const std::vector<Tensor>& tensors) {
    ModelFile m;
    m.format = "safetensors";
    m.alignment = 8;
    put(m, "format", "pt", "str");
    for (const Tensor& t : tensors) {
      TensorInfo info;
      info.name = t.name;
      info.shape = t.shape;
      info.dtype = DType::F32;
      info.n_elements = t.values.size();
      info.n_bytes = t.values.size() * sizeof(float);
      m.tensors.push_back(std::move(info));
    }
    const std::string path = dir_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    {
      OutputFile out(path);
      write_safetensors(
          m, [&](size_t i, OutputFile& f) { f.write(tensors[i].values.data(), tensors[i].values.size() * 4); }, out);
      out.commit();
    }
    record(rel);
  }

void Writer::text(const std::string& rel, const std::string& body) {
    const std::string path = dir_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    {
      OutputFile out(path);
      out.write(body.data(), body.size());
      out.commit();
    }
    record(rel);
  }

void Writer::record(const std::string& rel) {
    WrittenFile f;
    f.path = rel;
    f.sha256 = hex_sha256_of_file(dir_ + "/" + rel, f.bytes);
    files.push_back(std::move(f));
  }

// ------------------------------------------------------------------ tokenizer metadata
// Placeholder vocabularies, only so that the files carry the keys llama.cpp's loader
// expects; the goldens use token ids directly and never tokenize text.

void llama_tokenizer(ModelFile& m, uint32_t vocab) {
  ordered_json tokens = ordered_json::array(), scores = ordered_json::array(), types = ordered_json::array();
  auto add = [&](std::string text, float score, int type) {
    tokens.push_back(std::move(text));
    scores.push_back(score);
    types.push_back(type);
  };
  add("<unk>", 0, 2);
  add("<s>", 0, 3);
  add("</s>", 0, 3);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    add(buf, 0, 6);
  }
  for (uint32_t i = 0; tokens.size() < vocab; ++i) add("\xE2\x96\x81t" + std::to_string(i), -static_cast<float>(i), 1);
  put(m, "tokenizer.ggml.model", "llama", "str");
  put(m, "tokenizer.ggml.tokens", std::move(tokens), "arr[str]");
  put(m, "tokenizer.ggml.scores", std::move(scores), "arr[f32]");
  put(m, "tokenizer.ggml.token_type", std::move(types), "arr[i32]");
  put(m, "tokenizer.ggml.bos_token_id", 1, "u32");
  put(m, "tokenizer.ggml.eos_token_id", 2, "u32");
  put(m, "tokenizer.ggml.unknown_token_id", 0, "u32");
}

void placeholder_tokenizer(ModelFile& m, const char* model, std::vector<std::string> specials, uint32_t vocab) {
  ordered_json tokens = ordered_json::array(), types = ordered_json::array();
  for (auto& s : specials) {
    tokens.push_back(s);
    types.push_back(3);
  }
  for (uint32_t i = 0; tokens.size() < vocab; ++i) {
    tokens.push_back("t" + std::to_string(i));
    types.push_back(1);
  }
  put(m, "tokenizer.ggml.model", model, "str");
  put(m, "tokenizer.ggml.tokens", std::move(tokens), "arr[str]");
  put(m, "tokenizer.ggml.token_type", std::move(types), "arr[i32]");
}


}  // namespace hart::reference
