// hart-pack-gguf — the GGUF of a model trained by tools/train/train_llama.py, written by
// the project's own GGUF writer:
//
//   hart-pack-gguf --weights weights.safetensors --config config.json
//       --tokenizer stories260K.gguf --name NAME --out model.gguf
//
// The weights (F32, llama.cpp's tensor names, in file order) come from the training
// script's safetensors file; the hyperparameters from its config.json; the
// tokenizer.ggml.* keys are copied from the GGUF whose tokenizer the training used.
// Matrices are written as --dtype (F32 or F16), norms stay F32.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/dtype.h"
#include "formats/gguf.h"
#include "formats/safetensors.h"
#include "util/mapped_file.h"
#include "util/output_file.h"

namespace {

using hart::ordered_json;

void put(hart::ModelFile& m, const std::string& key, ordered_json value, const char* type) {
  m.metadata[key] = std::move(value);
  m.metadata_types[key] = type;
}

}  // namespace

int main(int argc, char** argv) {
  std::string weights_path, config_path, tokenizer_path, name, out_path, dtype_name = "F32";
  CLI::App app{"hart-pack-gguf — write a trained model's GGUF with the project's writer"};
  app.add_option("--weights", weights_path, "weights.safetensors from train_llama.py")->required();
  app.add_option("--config", config_path, "config.json from train_llama.py")->required();
  app.add_option("--tokenizer", tokenizer_path, "The GGUF whose tokenizer the model was trained with")->required();
  app.add_option("--name", name, "general.name")->required();
  app.add_option("--out", out_path, "Output GGUF")->required();
  app.add_option("--dtype", dtype_name, "Type of the matrices: F32 or F16")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    auto dtype = hart::dtype_from_name(dtype_name);
    if (!dtype || (*dtype != hart::DType::F32 && *dtype != hart::DType::F16))
      throw std::runtime_error("--dtype must be F32 or F16");
    std::ifstream cf(config_path);
    const auto c = nlohmann::json::parse(cf);
    hart::MappedFile tok_file(tokenizer_path), w_file(weights_path);
    const hart::ModelFile tok = hart::read_gguf(tok_file.data(), tok_file.size(), tokenizer_path);
    const hart::ModelFile w = hart::read_safetensors(w_file.data(), w_file.size(), weights_path);

    hart::ModelFile m;
    m.format = "gguf";
    m.format_version = 3;
    m.alignment = 32;
    m.architecture = "llama";
    put(m, "general.architecture", "llama", "str");
    put(m, "general.name", name, "str");
    put(m, "general.file_type", *dtype == hart::DType::F32 ? 0 : 1, "u32");
    put(m, "llama.context_length", c.at("ctx").get<uint32_t>(), "u32");
    put(m, "llama.embedding_length", c.at("dim").get<uint32_t>(), "u32");
    put(m, "llama.feed_forward_length", c.at("ffn").get<uint32_t>(), "u32");
    put(m, "llama.block_count", c.at("n_layer").get<uint32_t>(), "u32");
    put(m, "llama.attention.head_count", c.at("n_head").get<uint32_t>(), "u32");
    put(m, "llama.attention.head_count_kv", c.at("n_kv").get<uint32_t>(), "u32");
    put(m, "llama.rope.dimension_count", c.at("head_dim").get<uint32_t>(), "u32");
    put(m, "llama.rope.freq_base", c.at("rope_base").get<double>(), "f32");
    put(m, "llama.attention.layer_norm_rms_epsilon", c.at("eps").get<double>(), "f32");
    put(m, "llama.vocab_size", c.at("vocab").get<uint32_t>(), "u32");
    for (auto& [key, value] : tok.metadata.items())
      if (key.rfind("tokenizer.", 0) == 0) put(m, key, value, tok.metadata_types[key].get<std::string>().c_str());

    // Matrices in --dtype, vectors in F32; offsets are recomputed by the writer.
    std::vector<std::vector<uint8_t>> data;
    for (const hart::TensorInfo& t : w.tensors) {
      if (t.dtype != hart::DType::F32) throw std::runtime_error(t.name + " is not F32 in " + weights_path);
      hart::TensorInfo o = t;
      o.dtype = t.shape.size() == 2 ? *dtype : hart::DType::F32;
      o.n_bytes = *hart::dtype_row_bytes(o.dtype, o.n_elements);
      std::vector<uint8_t> bytes(o.n_bytes);
      hart::quantize(o.dtype, reinterpret_cast<const float*>(w_file.data() + w.data_offset + t.offset), bytes.data(),
                     t.n_elements);
      m.tensors.push_back(o);
      data.push_back(std::move(bytes));
    }
    hart::OutputFile out(out_path);
    hart::write_gguf(m, [&](size_t i, hart::OutputFile& f) { f.write(data[i].data(), data[i].size()); }, out);
    out.commit();
    std::printf("%s: %zu tensors, %s matrices\n", out_path.c_str(), m.tensors.size(), dtype_name.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart-pack-gguf: error: %s\n", e.what());
    return 1;
  }
}
