#include "formats/compact_array.h"

#include <cstring>
#include <limits>

#include "formats/gguf_types.h"
#include "formats/json_util.h"

namespace hart {
namespace {

using namespace gguf;

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void store(T v, std::vector<uint8_t>& bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  bytes.insert(bytes.end(), p, p + sizeof v);
}

// Accepted as the GGUF writer accepts it (json_integer_fits).
template <typename T>
bool append_integer(const ordered_json& v, std::vector<uint8_t>& bytes) {
  if (!json_integer_fits<T>(v)) return false;
  store(json_integer_as<T>(v), bytes);
  return true;
}

}  // namespace

bool is_compactable_type(uint32_t type) { return type < kValueTypeCount && scalar_size(type) > 0; }

bool is_compact_array(const ordered_json& v) { return v.is_binary(); }

ordered_json make_compact_array(uint32_t type, std::vector<uint8_t> bytes) {
  return ordered_json::binary(std::move(bytes), type);
}

uint32_t compact_type(const ordered_json& compact) {
  return static_cast<uint32_t>(compact.get_binary().subtype());
}

size_t compact_size(const ordered_json& compact) {
  const uint32_t type = compact_type(compact);
  return is_compactable_type(type) ? compact.get_binary().size() / scalar_size(type) : 0;
}

ordered_json compact_element(const ordered_json& compact, size_t i) {
  const uint32_t type = compact_type(compact);
  const uint8_t* p = compact.get_binary().data() + i * scalar_size(type);
  switch (type) {
    case kU8: return static_cast<uint64_t>(*p);
    case kI8: return static_cast<int64_t>(load<int8_t>(p));
    case kU16: return static_cast<uint64_t>(load<uint16_t>(p));
    case kI16: return static_cast<int64_t>(load<int16_t>(p));
    case kU32: return static_cast<uint64_t>(load<uint32_t>(p));
    case kI32: return static_cast<int64_t>(load<int32_t>(p));
    case kU64: return load<uint64_t>(p);
    case kI64: return load<int64_t>(p);
    case kF32: return static_cast<double>(load<float>(p));  // as the GGUF reader widens it
    case kF64: return load<double>(p);
    case kBool: return *p == 1;
  }
  return nullptr;
}

ordered_json expand_compact(const ordered_json& compact) {
  ordered_json out = ordered_json::array();
  const size_t n = compact_size(compact);
  out.get_ref<ordered_json::array_t&>().reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(compact_element(compact, i));
  return out;
}

bool append_element(uint32_t type, const ordered_json& v, std::vector<uint8_t>& bytes) {
  switch (type) {
    case kU8: return append_integer<uint8_t>(v, bytes);
    case kI8: return append_integer<int8_t>(v, bytes);
    case kU16: return append_integer<uint16_t>(v, bytes);
    case kI16: return append_integer<int16_t>(v, bytes);
    case kU32: return append_integer<uint32_t>(v, bytes);
    case kI32: return append_integer<int32_t>(v, bytes);
    case kU64: return append_integer<uint64_t>(v, bytes);
    case kI64: return append_integer<int64_t>(v, bytes);
    case kF32:
    case kF64:
      // Only floats: an integer written as 1 would come back rendered as 1.0.
      if (!v.is_number_float()) return false;
      if (type == kF32) store(static_cast<float>(v.get<double>()), bytes);
      else store(v.get<double>(), bytes);
      return true;
    case kBool:
      if (!v.is_boolean()) return false;
      bytes.push_back(v.get<bool>() ? 1 : 0);
      return true;
  }
  return false;
}

std::optional<std::vector<double>> metadata_numbers(const ordered_json& v) {
  std::vector<double> out;
  if (v.is_binary()) {
    if (compact_type(v) == kBool) return std::nullopt;
    const size_t n = compact_size(v);
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(compact_element(v, i).get<double>());
    return out;
  }
  if (!v.is_array()) return std::nullopt;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!e.is_number()) return std::nullopt;
    out.push_back(e.get<double>());
  }
  return out;
}

}  // namespace hart
