#include "model/hf_adapter.h"


#include "util/error.h"

namespace hart {
namespace {

// Hugging Face component -> llama.cpp component, per architecture; "#" is the block.
struct Rule {
  const char* hf;
  const char* gguf;
  bool conv1d;  // GPT-2 Conv1D: [in, out] in the file
};

const Rule kGpt2[] = {
    {"wte", "token_embd", false}, {"wpe", "position_embd", false}, {"ln_f", "output_norm", false},
    {"lm_head", "output", false}, {"h.#.ln_1", "blk.#.attn_norm", false}, {"h.#.attn.c_attn", "blk.#.attn_qkv", true},
    {"h.#.attn.c_proj", "blk.#.attn_output", true}, {"h.#.ln_2", "blk.#.ffn_norm", false},
    {"h.#.mlp.c_fc", "blk.#.ffn_up", true}, {"h.#.mlp.c_proj", "blk.#.ffn_down", true},
};

const Rule kBert[] = {
    {"embeddings.word_embeddings", "token_embd", false},
    {"embeddings.position_embeddings", "position_embd", false},
    {"embeddings.token_type_embeddings", "token_types", false},
    {"embeddings.LayerNorm", "token_embd_norm", false},
    {"encoder.layer.#.attention.self.query", "blk.#.attn_q", false},
    {"encoder.layer.#.attention.self.key", "blk.#.attn_k", false},
    {"encoder.layer.#.attention.self.value", "blk.#.attn_v", false},
    {"encoder.layer.#.attention.output.dense", "blk.#.attn_output", false},
    {"encoder.layer.#.attention.output.LayerNorm", "blk.#.attn_output_norm", false},
    {"encoder.layer.#.intermediate.dense", "blk.#.ffn_up", false},
    {"encoder.layer.#.output.dense", "blk.#.ffn_down", false},
    {"encoder.layer.#.output.LayerNorm", "blk.#.layer_output_norm", false},
};

int64_t need_int(const std::string& model, const ordered_json& c, const char* key) {
  auto it = c.find(key);
  if (it == c.end() || !it->is_number_integer())
    throw Error("model '" + model + "': config.json lacks the integer '" + key + "'");
  return it->get<int64_t>();
}

// Splits "prefix.rest.(weight|bias|gamma|beta)" into the component and the GGUF suffix.
bool split_suffix(std::string name, std::string& component, std::string& suffix) {
  for (auto [hf, gguf] : {std::pair{".weight", ".weight"}, {".bias", ".bias"}, {".gamma", ".weight"}, {".beta", ".bias"}}) {
    std::string h = hf;
    if (name.size() > h.size() && name.compare(name.size() - h.size(), h.size(), h) == 0) {
      component = name.substr(0, name.size() - h.size());
      suffix = gguf;
      return true;
    }
  }
  return false;
}

// Matches `component` against a rule's HF pattern; on success *gguf is the new name.
bool apply_rule(const Rule& r, const std::string& component, std::string* gguf) {
  std::string pattern = r.hf;
  size_t hash = pattern.find('#');
  if (hash == std::string::npos) {
    if (component != pattern) return false;
    *gguf = r.gguf;
    return true;
  }
  std::string pre = pattern.substr(0, hash), post = pattern.substr(hash + 1);
  if (component.size() <= pre.size() + post.size() || component.compare(0, pre.size(), pre) != 0 ||
      component.compare(component.size() - post.size(), post.size(), post) != 0)
    return false;
  std::string block = component.substr(pre.size(), component.size() - pre.size() - post.size());
  if (block.empty() || block.find_first_not_of("0123456789") != std::string::npos) return false;
  std::string out = r.gguf;
  out.replace(out.find('#'), 1, block);
  *gguf = out;
  return true;
}

}  // namespace

std::optional<HfAdaptation> plan_hf_adaptation(const std::string& model, const std::string& arch,
                                               const ordered_json& config, const std::vector<TensorView>& tensors) {
  if (arch != "gpt2" && arch != "bert") return std::nullopt;
  for (const TensorView& t : tensors)
    if (t.name == "token_embd.weight") return std::nullopt;  // already GGUF names
  HfAdaptation a;
  if (arch == "gpt2") {
    int64_t dim = need_int(model, config, "n_embd");
    a.metadata["gpt2.embedding_length"] = dim;
    a.metadata["gpt2.block_count"] = need_int(model, config, "n_layer");
    a.metadata["gpt2.attention.head_count"] = need_int(model, config, "n_head");
    a.metadata["gpt2.context_length"] = need_int(model, config, "n_positions");
    auto inner = config.find("n_inner");
    a.metadata["gpt2.feed_forward_length"] = inner != config.end() && inner->is_number_integer() ? inner->get<int64_t>() : 4 * dim;
    a.metadata["gpt2.attention.layer_norm_epsilon"] = config.value("layer_norm_epsilon", 1e-5);
  } else {
    a.metadata["bert.embedding_length"] = need_int(model, config, "hidden_size");
    a.metadata["bert.block_count"] = need_int(model, config, "num_hidden_layers");
    a.metadata["bert.attention.head_count"] = need_int(model, config, "num_attention_heads");
    a.metadata["bert.feed_forward_length"] = need_int(model, config, "intermediate_size");
    a.metadata["bert.context_length"] = need_int(model, config, "max_position_embeddings");
    a.metadata["bert.attention.layer_norm_epsilon"] = config.value("layer_norm_eps", 1e-12);
    a.metadata["bert.pooling_type"] = 1;  // mean, as sentence-transformers
  }
  const Rule* rules = arch == "gpt2" ? kGpt2 : kBert;
  size_t n_rules = arch == "gpt2" ? std::size(kGpt2) : std::size(kBert);
  const char* wrapper = arch == "gpt2" ? "transformer." : "bert.";
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::string name = tensors[i].name, component, suffix, gguf;
    if (name.rfind(wrapper, 0) == 0) name.erase(0, std::string(wrapper).size());
    if (!split_suffix(name, component, suffix)) continue;
    for (size_t k = 0; k < n_rules; ++k)
      if (apply_rule(rules[k], component, &gguf)) {
        a.renames.push_back({i, gguf + suffix});
        if (rules[k].conv1d && suffix == ".weight") a.transpose.push_back(i);
        break;
      }
  }
  return a;
}

}  // namespace hart
