// Large metadata arrays of numbers or bools, held as their GGUF bytes. An
// ordered_json element costs 16+ bytes; a u8 in a GGUF file costs 1, so a file of
// one big array would take 16x its size as JSON. Such arrays are instead an
// ordered_json::binary: the raw little-endian element bytes exactly as in the file,
// with the GGUF value type id (gguf::kU8 ... gguf::kF64, gguf::kBool) as subtype.
// Smaller arrays stay plain JSON arrays, so most metadata looks as it always did;
// code that reads a numeric array goes through metadata_numbers(), which takes both.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "formats/model_file.h"

namespace hart {

// Arrays of numbers or bools with at least this many elements are held compactly.
inline constexpr uint64_t kCompactArrayMinElements = 65536;

// The most array elements (summed over every metadata array of a file, nested ones
// included) a GGUF file may hold; more is a FormatError naming the key. Gemma 3, the
// largest vocabulary we know, holds about 1.3 million. The reason for a limit at all,
// and the memory it bounds: formats/README.md.
inline constexpr uint64_t kMaxMetadataArrayElements = uint64_t{1} << 23;

// Whether `type` (a GGUF value type id) is held compactly: numbers and bool.
bool is_compactable_type(uint32_t type);
bool is_compact_array(const ordered_json& v);
// `bytes` must hold whole elements of `type`, bools 0 or 1 (the GGUF reader checks).
ordered_json make_compact_array(uint32_t type, std::vector<uint8_t> bytes);
uint32_t compact_type(const ordered_json& compact);
size_t compact_size(const ordered_json& compact);
// Element `i` as the plain JSON value the GGUF reader would have made of it
// (integers as integers, f32 widened to double, bools as bools).
ordered_json compact_element(const ordered_json& compact, size_t i);
// A compact array as a plain JSON array.
ordered_json expand_compact(const ordered_json& compact);

// Appends `v` as one element of `type` to `bytes` when it is exactly representable
// (the value the GGUF writer would write); false, appending nothing, otherwise.
bool append_element(uint32_t type, const ordered_json& v, std::vector<uint8_t>& bytes);

// A metadata array of numbers (plain or compact) as doubles; nullopt when `v` is not
// an array or holds anything but numbers.
std::optional<std::vector<double>> metadata_numbers(const ordered_json& v);

}  // namespace hart
