#include "formats/gguf_types.h"

namespace hart::gguf {

namespace {
constexpr const char* kScalarTags[kValueTypeCount] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", nullptr, "u64", "i64", "f64"};
constexpr size_t kScalarSizes[kValueTypeCount] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
}  // namespace

const char* scalar_tag(uint32_t type) { return type < kValueTypeCount ? kScalarTags[type] : nullptr; }

size_t scalar_size(uint32_t type) { return type < kValueTypeCount ? kScalarSizes[type] : 0; }

size_t min_encoded_size(uint32_t type) {
  if (type == kStr) return 8;   // u64 length
  if (type == kArr) return 12;  // u32 element type + u64 count
  return scalar_size(type);
}

std::optional<Tag> parse_tag(std::string_view tag) {
  if (tag == "hexstr") return Tag{kStr, true, {}};
  if (tag.size() > 5 && tag.substr(0, 4) == "arr[" && tag.back() == ']') {
    std::string_view inner = tag.substr(4, tag.size() - 5);
    if (inner != "arr" && !parse_tag(inner)) return std::nullopt;
    return Tag{kArr, false, std::string(inner)};
  }
  for (uint32_t t = 0; t < kValueTypeCount; ++t)
    if (kScalarTags[t] && tag == kScalarTags[t]) return Tag{t, false, {}};
  return std::nullopt;
}

// Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF): exactly what
// nlohmann::json accepts when it serializes a string.
bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c < 0x80) { ++i; continue; }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else return false;
    if (n - i < len) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    i += len;
  }
  return true;
}

std::string to_hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int h = digit(hex[2 * i]), l = digit(hex[2 * i + 1]);
    if (h < 0 || l < 0) return std::nullopt;
    out[i] = static_cast<char>(h << 4 | l);
  }
  return out;
}

}  // namespace hart::gguf
