// How a KV cache holds its numbers: F32, or F16 (IEEE halves, llama.cpp's default
// cache type), which halves the cache's memory and rounds each key and value to 11
// significant bits. Chosen per run: generate()'s "cache_type", `hart serve --cache-type`.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace hart {

enum class KvType : uint8_t { kF32, kF16 };

inline std::string_view kv_type_name(KvType type) { return type == KvType::kF16 ? "f16" : "f32"; }

inline std::optional<KvType> kv_type_named(std::string_view name) {
  if (name == "f32") return KvType::kF32;
  if (name == "f16") return KvType::kF16;
  return std::nullopt;
}

}  // namespace hart
