#include "formats/tensor_names.h"

#include <array>
#include <utility>
#include <vector>

namespace hart {
namespace {

// Hugging Face component names (after the layer number, or at top level) -> GGUF kinds.
constexpr std::array<std::pair<std::string_view, std::string_view>, 33> kAliases{{
    // Llama / Mistral
    {"self_attn.q_proj", "attn_q"}, {"self_attn.k_proj", "attn_k"}, {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"}, {"mlp.gate_proj", "ffn_gate"}, {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"}, {"input_layernorm", "attn_norm"},
    {"post_attention_layernorm", "ffn_norm"}, {"model.embed_tokens", "token_embd"},
    {"model.norm", "output_norm"}, {"lm_head", "output"},
    // GPT-2
    {"ln_1", "attn_norm"}, {"attn.c_attn", "attn_qkv"}, {"attn.c_proj", "attn_output"},
    {"ln_2", "ffn_norm"}, {"mlp.c_fc", "ffn_up"}, {"mlp.c_proj", "ffn_down"},
    {"wte", "token_embd"}, {"wpe", "position_embd"}, {"ln_f", "output_norm"},
    // BERT
    {"attention.self.query", "attn_q"}, {"attention.self.key", "attn_k"},
    {"attention.self.value", "attn_v"}, {"attention.output.dense", "attn_output"},
    {"attention.output.LayerNorm", "attn_output_norm"}, {"intermediate.dense", "ffn_up"},
    {"output.dense", "ffn_down"}, {"output.LayerNorm", "layer_output_norm"},
    {"embeddings.word_embeddings", "token_embd"}, {"embeddings.position_embeddings", "position_embd"},
    {"embeddings.token_type_embeddings", "token_types"}, {"embeddings.LayerNorm", "token_embd_norm"},
}};

// Prefixes that wrap a whole Hugging Face model and carry no meaning of their own.
constexpr std::array<std::string_view, 3> kWrappers{{"transformer.", "bert.", "encoder."}};

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '.') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string join(const std::vector<std::string_view>& parts, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    if (!out.empty()) out += '.';
    out += parts[i];
  }
  return out;
}

}  // namespace

TensorRole tensor_role(std::string_view name) {
  TensorRole role;
  std::vector<std::string_view> parts = split(name);
  std::string suffix;
  if (parts.size() > 1 && (parts.back() == "weight" || parts.back() == "gamma")) {
    parts.pop_back();
  } else if (parts.size() > 1 && (parts.back() == "bias" || parts.back() == "beta")) {
    parts.pop_back();
    suffix = ".bias";
  }
  // The first all-digit component is the block index; what follows names the part.
  size_t first = 0;
  for (size_t i = 0; i < parts.size(); ++i)
    if (all_digits(parts[i])) {
      role.layer = std::stoll(std::string(parts[i]));
      first = i + 1;
      break;
    }
  std::string component = join(parts, first, parts.size());
  if (!role.layer) {
    for (std::string_view w : kWrappers)
      if (component.rfind(w, 0) == 0 && component.size() > w.size()) component.erase(0, w.size());
  }
  for (const auto& [from, to] : kAliases)
    if (component == from) {
      component = std::string(to);
      break;
    }
  if (component.empty()) component = std::string(name);
  role.kind = component + suffix;
  return role;
}

}  // namespace hart
