#include "student/llama_shape.h"

#include <charconv>

#include "util/error.h"

namespace hart {
namespace {

int64_t meta_int(const ordered_json& m, const std::string& key, int64_t fallback, const std::string& model) {
  auto it = m.find(key);
  if (it == m.end()) {
    if (fallback >= 0) return fallback;
    throw UsageError("model '" + model + "' has no " + key + " in its metadata");
  }
  if (!it->is_number_integer()) throw UsageError("model '" + model + "': " + key + " is not an integer");
  return it->get<int64_t>();
}

}  // namespace

LlamaShape llama_shape(const std::string& model, const std::string& architecture, const ordered_json& metadata) {
  if (architecture != "llama")
    throw UsageError("model '" + model + "' is a '" + architecture +
                     "' model; importance scores and students need a llama-architecture model");
  LlamaShape s;
  s.arch = architecture;
  const std::string p = s.arch + ".";
  s.n_layer = meta_int(metadata, p + "block_count", -1, model);
  s.dim = meta_int(metadata, p + "embedding_length", -1, model);
  s.n_head = meta_int(metadata, p + "attention.head_count", -1, model);
  s.n_kv = meta_int(metadata, p + "attention.head_count_kv", s.n_head, model);
  s.ffn = meta_int(metadata, p + "feed_forward_length", -1, model);
  if (s.n_layer <= 0 || s.dim <= 0 || s.n_head <= 0 || s.n_kv <= 0 || s.n_head % s.n_kv || s.ffn <= 0)
    throw UsageError("model '" + model + "': inconsistent shape in its metadata (layers, heads, widths)");
  s.head_dim = meta_int(metadata, p + "attention.key_length", s.dim % s.n_head ? -1 : s.dim / s.n_head, model);
  if (s.head_dim <= 0) throw UsageError("model '" + model + "': head width is not positive");
  return s;
}

bool split_block_name(const std::string& name, int64_t& layer, std::string& rest) {
  if (name.rfind("blk.", 0) != 0) return false;
  const char* b = name.data() + 4;
  const char* e = name.data() + name.size();
  auto [p, ec] = std::from_chars(b, e, layer);
  if (ec != std::errc() || p == b || p == e || *p != '.') return false;
  rest.assign(p + 1, e);
  return true;
}

}  // namespace hart
