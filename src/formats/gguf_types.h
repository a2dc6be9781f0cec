// GGUF metadata value types and the type tags ModelFile::metadata_types uses for
// them (see model_file.h). Shared by the GGUF reader and writer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hart::gguf {

// GGUF value type ids, as numbered in the GGUF specification.
enum ValueType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kStr = 8, kArr = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
inline constexpr uint32_t kValueTypeCount = 13;

// Arrays inside arrays deeper than this are refused, so a hostile file cannot
// exhaust the stack through recursion.
inline constexpr int kMaxArrayDepth = 8;

// "u8", "str", ... for scalar types; nullptr for kArr and unknown ids.
const char* scalar_tag(uint32_t type);
// Bytes a scalar of `type` occupies; 0 for strings and arrays.
size_t scalar_size(uint32_t type);
// Smallest number of bytes one element of `type` can occupy in the file.
size_t min_encoded_size(uint32_t type);

// A parsed type tag: its value type, and for arrays the element tag.
struct Tag {
  uint32_t type;          // ValueType
  bool hex = false;       // "hexstr"
  std::string element;    // arrays only: the element tag; "arr" when unknown (empty array of arrays)
};
std::optional<Tag> parse_tag(std::string_view tag);

bool is_valid_utf8(std::string_view s);
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace hart::gguf
