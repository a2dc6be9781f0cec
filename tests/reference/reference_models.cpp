#include "reference_models.h"

#include "reference_writer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "formats/dtype.h"
#include "formats/gguf.h"
#include "formats/model_file.h"
#include "formats/safetensors.h"
#include "util/error.h"
#include "util/mapped_file.h"
#include "util/output_file.h"
#include "util/sha256.h"

namespace hart::reference {
namespace {

// ------------------------------------------------------------------ Llama

struct LlamaSpec {
  const char* name;
  uint64_t seed;
  uint32_t vocab, dim, ffn, layers, heads, kv_heads, context;
  double rope_base, rms_eps;
  bool tied;
};

constexpr LlamaSpec kLlama{"llama", 101, 512, 64, 192, 2, 4, 2, 64, 10000.0, 1e-5, false};
constexpr LlamaSpec kLlamaTied{"llama_tied", 202, 384, 64, 160, 2, 8, 2, 64, 500000.0, 1e-6, true};

Weights llama_weights(const LlamaSpec& s) {
  Weights w(s.seed);
  const uint32_t kv_dim = s.dim / s.heads * s.kv_heads;
  w.add("token_embd.weight", {s.vocab, s.dim}, 0.0f, 0.5f);
  for (uint32_t l = 0; l < s.layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    w.norm_weight(p + "attn_norm.weight", s.dim);
    w.matrix(p + "attn_q.weight", s.dim, s.dim);
    w.matrix(p + "attn_k.weight", kv_dim, s.dim);
    w.matrix(p + "attn_v.weight", kv_dim, s.dim);
    w.matrix(p + "attn_output.weight", s.dim, s.dim, kResidualGain);
    w.norm_weight(p + "ffn_norm.weight", s.dim);
    w.matrix(p + "ffn_gate.weight", s.ffn, s.dim);
    w.matrix(p + "ffn_up.weight", s.ffn, s.dim);
    w.matrix(p + "ffn_down.weight", s.dim, s.ffn, kResidualGain);
  }
  w.norm_weight("output_norm.weight", s.dim);
  if (!s.tied) w.add("output.weight", {s.vocab, s.dim}, 0.0f, 0.25f);
  return w;
}

uint32_t llama_file_type(DType t) {  // llama_ftype
  switch (t) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::Q4_0: return 2;
    case DType::Q8_0: return 7;
    default: throw Error("reference models: unsupported type");
  }
}

void write_llama(Writer& out, const LlamaSpec& s, DType type, const std::string& file) {
  ModelFile m;
  m.architecture = "llama";
  put(m, "general.architecture", "llama", "str");
  put(m, "general.name", std::string("hart reference ") + s.name, "str");
  put(m, "llama.block_count", s.layers, "u32");
  put(m, "llama.context_length", s.context, "u32");
  put(m, "llama.embedding_length", s.dim, "u32");
  put(m, "llama.feed_forward_length", s.ffn, "u32");
  put(m, "llama.attention.head_count", s.heads, "u32");
  put(m, "llama.attention.head_count_kv", s.kv_heads, "u32");
  put(m, "llama.rope.freq_base", s.rope_base, "f32");
  put(m, "llama.attention.layer_norm_rms_epsilon", s.rms_eps, "f32");
  put(m, "general.file_type", llama_file_type(type), "u32");
  put(m, "llama.vocab_size", s.vocab, "u32");
  put(m, "llama.rope.dimension_count", s.dim / s.heads, "u32");
  llama_tokenizer(m, s.vocab);
  put(m, "general.quantization_version", 2, "u32");
  out.gguf(file, std::move(m), llama_weights(s).all(), type);
}

// ------------------------------------------------------------------ GPT-2

struct Gpt2Spec {
  uint64_t seed = 303;
  uint32_t vocab = 384, dim = 64, heads = 4, layers = 2, context = 64;
  double eps = 1e-5;
};

void write_gpt2(Writer& out) {
  const Gpt2Spec s;
  const uint64_t D = s.dim, F = 4 * D;
  // Hugging Face names and layout (Conv1D weights are [in, out]).
  Weights w(s.seed);
  w.add("wte.weight", {s.vocab, D}, 0.0f, 0.5f);
  w.add("wpe.weight", {s.context, D}, 0.0f, 0.2f);
  auto conv1d = [&](const std::string& name, uint64_t in, uint64_t outf, double gain = 1.0) {
    w.add(name, {in, outf}, 0.0f, static_cast<float>(gain / std::sqrt(static_cast<double>(in))));
  };
  for (uint32_t l = 0; l < s.layers; ++l) {
    const std::string p = "h." + std::to_string(l) + ".";
    w.norm_weight(p + "ln_1.weight", D);
    w.bias(p + "ln_1.bias", D);
    conv1d(p + "attn.c_attn.weight", D, 3 * D);
    w.bias(p + "attn.c_attn.bias", 3 * D);
    conv1d(p + "attn.c_proj.weight", D, D, kResidualGain);
    w.bias(p + "attn.c_proj.bias", D);
    w.norm_weight(p + "ln_2.weight", D);
    w.bias(p + "ln_2.bias", D);
    conv1d(p + "mlp.c_fc.weight", D, F);
    w.bias(p + "mlp.c_fc.bias", F);
    conv1d(p + "mlp.c_proj.weight", F, D, kResidualGain);
    w.bias(p + "mlp.c_proj.bias", D);
  }
  w.norm_weight("ln_f.weight", D);
  w.bias("ln_f.bias", D);
  out.safetensors("gpt2-hf/model.safetensors", w.all());
  nlohmann::ordered_json config = {{"architectures", {"GPT2LMHeadModel"}},
                                   {"model_type", "gpt2"},
                                   {"vocab_size", s.vocab},
                                   {"n_positions", s.context},
                                   {"n_ctx", s.context},
                                   {"n_embd", s.dim},
                                   {"n_layer", s.layers},
                                   {"n_head", s.heads},
                                   {"n_inner", nullptr},
                                   {"activation_function", "gelu_new"},
                                   {"layer_norm_epsilon", s.eps},
                                   {"tie_word_embeddings", true}};
  out.text("gpt2-hf/config.json", config.dump(2) + "\n");

  // The same weights as llama.cpp's convert_hf_to_gguf.py lays out LLM_ARCH_GPT2: Conv1D
  // weights transposed to [out, in], output.weight written as a copy of token_embd.
  std::vector<Tensor> g;
  g.push_back(renamed(w.get("wte.weight"), "token_embd.weight"));
  g.push_back(renamed(w.get("wte.weight"), "output.weight"));
  g.push_back(renamed(w.get("wpe.weight"), "position_embd.weight"));
  for (uint32_t l = 0; l < s.layers; ++l) {
    const std::string h = "h." + std::to_string(l) + ".", b = "blk." + std::to_string(l) + ".";
    g.push_back(renamed(w.get(h + "ln_1.weight"), b + "attn_norm.weight"));
    g.push_back(renamed(w.get(h + "ln_1.bias"), b + "attn_norm.bias"));
    g.push_back(transposed(w.get(h + "attn.c_attn.weight"), b + "attn_qkv.weight"));
    g.push_back(renamed(w.get(h + "attn.c_attn.bias"), b + "attn_qkv.bias"));
    g.push_back(transposed(w.get(h + "attn.c_proj.weight"), b + "attn_output.weight"));
    g.push_back(renamed(w.get(h + "attn.c_proj.bias"), b + "attn_output.bias"));
    g.push_back(renamed(w.get(h + "ln_2.weight"), b + "ffn_norm.weight"));
    g.push_back(renamed(w.get(h + "ln_2.bias"), b + "ffn_norm.bias"));
    g.push_back(transposed(w.get(h + "mlp.c_fc.weight"), b + "ffn_up.weight"));
    g.push_back(renamed(w.get(h + "mlp.c_fc.bias"), b + "ffn_up.bias"));
    g.push_back(transposed(w.get(h + "mlp.c_proj.weight"), b + "ffn_down.weight"));
    g.push_back(renamed(w.get(h + "mlp.c_proj.bias"), b + "ffn_down.bias"));
  }
  g.push_back(renamed(w.get("ln_f.weight"), "output_norm.weight"));
  g.push_back(renamed(w.get("ln_f.bias"), "output_norm.bias"));

  ModelFile m;
  m.architecture = "gpt2";
  put(m, "general.architecture", "gpt2", "str");
  put(m, "general.name", "hart reference gpt2", "str");
  put(m, "gpt2.block_count", s.layers, "u32");
  put(m, "gpt2.context_length", s.context, "u32");
  put(m, "gpt2.embedding_length", s.dim, "u32");
  put(m, "gpt2.feed_forward_length", static_cast<uint32_t>(F), "u32");
  put(m, "gpt2.attention.head_count", s.heads, "u32");
  put(m, "gpt2.attention.layer_norm_epsilon", s.eps, "f32");
  put(m, "general.file_type", 0, "u32");
  placeholder_tokenizer(m, "gpt2", {"<|endoftext|>"}, s.vocab);
  put(m, "tokenizer.ggml.merges", ordered_json::array(), "arr[str]");
  put(m, "tokenizer.ggml.bos_token_id", 0, "u32");
  put(m, "tokenizer.ggml.eos_token_id", 0, "u32");
  put(m, "general.quantization_version", 2, "u32");
  out.gguf("gpt2_f32.gguf", std::move(m), g, DType::F32);
}

// ------------------------------------------------------------------ BERT

struct BertSpec {
  uint64_t seed = 404;
  uint32_t vocab = 320, dim = 64, heads = 4, layers = 2, ffn = 256, context = 64, type_vocab = 2;
  double eps = 1e-12;
};

// Hugging Face BertModel names (as sentence-transformers saves them: no "bert." prefix).
Weights bert_weights(const BertSpec& s) {
  const uint64_t D = s.dim;
  Weights w(s.seed);
  w.add("embeddings.word_embeddings.weight", {s.vocab, D}, 0.0f, 0.5f);
  w.add("embeddings.position_embeddings.weight", {s.context, D}, 0.0f, 0.2f);
  w.add("embeddings.token_type_embeddings.weight", {s.type_vocab, D}, 0.0f, 0.2f);
  w.norm_weight("embeddings.LayerNorm.weight", D);
  w.bias("embeddings.LayerNorm.bias", D);
  for (uint32_t l = 0; l < s.layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* qkv : {"query", "key", "value"}) {
      w.matrix(p + "attention.self." + qkv + ".weight", D, D);
      w.bias(p + "attention.self." + qkv + ".bias", D);
    }
    w.matrix(p + "attention.output.dense.weight", D, D, kResidualGain);
    w.bias(p + "attention.output.dense.bias", D);
    w.norm_weight(p + "attention.output.LayerNorm.weight", D);
    w.bias(p + "attention.output.LayerNorm.bias", D);
    w.matrix(p + "intermediate.dense.weight", s.ffn, D);
    w.bias(p + "intermediate.dense.bias", s.ffn);
    w.matrix(p + "output.dense.weight", D, s.ffn, kResidualGain);
    w.bias(p + "output.dense.bias", D);
    w.norm_weight(p + "output.LayerNorm.weight", D);
    w.bias(p + "output.LayerNorm.bias", D);
  }
  return w;
}

// llama.cpp's LLM_ARCH_BERT names (convert_hf_to_gguf.py's tensor map); same layouts.
std::vector<Tensor> bert_gguf_tensors(const Weights& w, uint32_t layers) {
  std::vector<Tensor> g;
  g.push_back(renamed(w.get("embeddings.word_embeddings.weight"), "token_embd.weight"));
  g.push_back(renamed(w.get("embeddings.token_type_embeddings.weight"), "token_types.weight"));
  g.push_back(renamed(w.get("embeddings.position_embeddings.weight"), "position_embd.weight"));
  g.push_back(renamed(w.get("embeddings.LayerNorm.weight"), "token_embd_norm.weight"));
  g.push_back(renamed(w.get("embeddings.LayerNorm.bias"), "token_embd_norm.bias"));
  const std::pair<const char*, const char*> map[] = {
      {"attention.self.query", "attn_q"},          {"attention.self.key", "attn_k"},
      {"attention.self.value", "attn_v"},          {"attention.output.dense", "attn_output"},
      {"attention.output.LayerNorm", "attn_output_norm"}, {"intermediate.dense", "ffn_up"},
      {"output.dense", "ffn_down"},                {"output.LayerNorm", "layer_output_norm"}};
  for (uint32_t l = 0; l < layers; ++l) {
    const std::string h = "encoder.layer." + std::to_string(l) + ".", b = "blk." + std::to_string(l) + ".";
    for (const auto& [hf, gg] : map)
      for (const char* kind : {".weight", ".bias"}) g.push_back(renamed(w.get(h + hf + kind), b + gg + kind));
  }
  return g;
}

void put_bert_shape(ModelFile& m, const BertSpec& s) {
  put(m, "bert.block_count", s.layers, "u32");
  put(m, "bert.context_length", s.context, "u32");
  put(m, "bert.embedding_length", s.dim, "u32");
  put(m, "bert.feed_forward_length", s.ffn, "u32");
  put(m, "bert.attention.head_count", s.heads, "u32");
  put(m, "bert.attention.layer_norm_epsilon", s.eps, "f32");
}

void write_bert(Writer& out) {
  const BertSpec s;
  const Weights w = bert_weights(s);
  out.safetensors("bert-hf/model.safetensors", w.all());
  nlohmann::ordered_json config = {{"architectures", {"BertModel"}},
                                   {"model_type", "bert"},
                                   {"vocab_size", s.vocab},
                                   {"hidden_size", s.dim},
                                   {"num_hidden_layers", s.layers},
                                   {"num_attention_heads", s.heads},
                                   {"intermediate_size", s.ffn},
                                   {"hidden_act", "gelu"},
                                   {"max_position_embeddings", s.context},
                                   {"type_vocab_size", s.type_vocab},
                                   {"layer_norm_eps", s.eps},
                                   {"position_embedding_type", "absolute"}};
  out.text("bert-hf/config.json", config.dump(2) + "\n");

  ModelFile m;
  m.architecture = "bert";
  put(m, "general.architecture", "bert", "str");
  put(m, "general.name", "hart reference bert", "str");
  put_bert_shape(m, s);
  put(m, "general.file_type", 0, "u32");
  put(m, "bert.attention.causal", false, "bool");
  put(m, "bert.pooling_type", 1, "u32");  // LLAMA_POOLING_TYPE_MEAN
  put(m, "tokenizer.ggml.token_type_count", s.type_vocab, "u32");
  placeholder_tokenizer(m, "bert", {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, s.vocab);
  put(m, "tokenizer.ggml.padding_token_id", 0, "u32");
  put(m, "tokenizer.ggml.unknown_token_id", 1, "u32");
  put(m, "tokenizer.ggml.cls_token_id", 2, "u32");
  put(m, "tokenizer.ggml.seperator_token_id", 3, "u32");  // sic: llama.cpp's key spelling
  put(m, "tokenizer.ggml.mask_token_id", 4, "u32");
  put(m, "general.quantization_version", 2, "u32");
  out.gguf("bert_f32.gguf", std::move(m), bert_gguf_tensors(w, s.layers), DType::F32);
}

}  // namespace

WrittenFile write_bert_from_vocab(const std::string& vocab_gguf, const std::string& dir, const std::string& rel,
                                  uint32_t layers, DType matrix_type) {
  MappedFile file(vocab_gguf);
  ModelFile m = read_gguf(file.data(), file.size(), vocab_gguf);
  if (m.architecture != "bert" || !m.tensors.empty())
    throw Error(vocab_gguf + ": not a vocab-only BERT GGUF (architecture " + m.architecture + ", " +
                std::to_string(m.tensors.size()) + " tensors)");
  auto u32 = [&](const char* key) { return m.metadata.at(key).get<uint32_t>(); };
  BertSpec s;
  s.vocab = static_cast<uint32_t>(m.metadata.at("tokenizer.ggml.tokens").size());
  s.dim = u32("bert.embedding_length");
  s.heads = u32("bert.attention.head_count");
  s.ffn = u32("bert.feed_forward_length");
  s.context = u32("bert.context_length");
  s.type_vocab = u32("tokenizer.ggml.token_type_count");
  s.eps = m.metadata.at("bert.attention.layer_norm_epsilon").get<double>();
  s.layers = layers ? layers : u32("bert.block_count");
  const Weights w = bert_weights(s);
  put(m, "general.name", m.metadata.value("general.name", "bert") + " (random weights)", "str");
  put(m, "bert.block_count", s.layers, "u32");
  put(m, "general.file_type", matrix_type == DType::F32 ? 0 : matrix_type == DType::F16 ? 1 : 7, "u32");  // 7: Q8_0
  put(m, "bert.pooling_type", 1, "u32");  // LLAMA_POOLING_TYPE_MEAN
  Writer out(dir);
  out.gguf(rel, std::move(m), bert_gguf_tensors(w, s.layers), matrix_type);
  return out.files.back();
}

std::vector<WrittenFile> write_reference_models(const std::string& dir) {
  Writer out(dir);
  write_llama(out, kLlama, DType::F32, "llama_f32.gguf");
  write_llama(out, kLlama, DType::F16, "llama_f16.gguf");
  write_llama(out, kLlama, DType::Q8_0, "llama_q8_0.gguf");
  write_llama(out, kLlama, DType::Q4_0, "llama_q4_0.gguf");
  write_llama(out, kLlamaTied, DType::F32, "llama_tied_f32.gguf");
  write_gpt2(out);
  write_bert(out);
  write_decoder_families(out);
  return out.files;
}

}  // namespace hart::reference
