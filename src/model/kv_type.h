// How a KV cache holds its numbers: F32, or F16 (IEEE halves, llama.cpp's default
// cache type), which halves the cache's memory and rounds each key and value to 11
// significant bits. Chosen per run: generate()'s "cache_type", `hart serve --cache-type`.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hart {

enum class KvType : uint8_t { kF32, kF16 };

// Every type by name: the one table the parsers and the CLI flags read.
inline const std::map<std::string, KvType>& kv_types() {
  static const std::map<std::string, KvType> types{{"f32", KvType::kF32}, {"f16", KvType::kF16}};
  return types;
}

inline std::vector<std::string> kv_type_names() {
  std::vector<std::string> names;
  for (const auto& entry : kv_types()) names.push_back(entry.first);
  return names;
}

inline std::string_view kv_type_name(KvType type) {
  for (const auto& [name, t] : kv_types())
    if (t == type) return name;
  return "?";
}

inline std::optional<KvType> kv_type_named(std::string_view name) {
  auto it = kv_types().find(std::string(name));
  return it == kv_types().end() ? std::nullopt : std::optional<KvType>(it->second);
}

}  // namespace hart
