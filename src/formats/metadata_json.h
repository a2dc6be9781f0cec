// Metadata as JSON text (the store's models.metadata column) and back, without
// expanding compact arrays (compact_array.h) into 16-byte JSON values on the way:
// the text is written straight from their bytes, and reading it back turns every
// array that metadata_types says holds numbers or bools, and that is large, into a
// compact array again.
#pragma once
#include <string>
#include <string_view>

#include "formats/model_file.h"

namespace hart {

// `v` as JSON text, exactly as v.dump() would write it were every compact array a
// plain one (integers as integers, f32 widened to double, NaN as null).
std::string metadata_to_json(const ordered_json& v);

// Parses metadata JSON text (an object of key -> value); `types` is its key -> type
// tag object (model_file.h), which says which arrays may be held compactly. Values
// that do not fit their tag stay plain JSON, as ordered_json::parse would give them.
// Throws FormatError when `text` is not JSON.
ordered_json metadata_from_json(std::string_view text, const ordered_json& types);

}  // namespace hart
