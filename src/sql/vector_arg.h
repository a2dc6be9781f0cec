// SQL values ↔ vectors (vector/vector_value.h), for the vector functions and the
// hart_vectors table. A BLOB's element type comes from its subtype when one of our
// functions made it (hvec_int8(), hvec_bit()), else from what the caller expects; TEXT
// is a JSON array. Results carry their type as a subtype, so hvec_int8('[1,2]') can be
// inserted into an int8 column or passed to another function unchanged.
#pragma once
#include <optional>
#include <string_view>

#include "store/sqlite_api.h"
#include "vector/vector_value.h"

namespace hart {

// Subtypes marking our vector BLOBs (sqlite-vec uses 223/224/225 the same way).
constexpr unsigned kFloat32Subtype = 223, kBitSubtype = 224, kInt8Subtype = 225;

// The element type a subtype names, or nullopt for none of ours.
std::optional<vector::VectorType> vector_subtype(sqlite3_value* v);

// Reads `v` as a vector. `type` is what a plain BLOB or JSON is read as; a BLOB with
// one of our subtypes must be of that type (an error naming both otherwise). `dim` 0
// accepts any dimension. NULL and other types are errors naming `what`.
vector::VectorValue vector_arg(sqlite3_value* v, vector::VectorType type, size_t dim, std::string_view what);
// The same, with the type taken from the subtype (float32 for a plain BLOB or JSON).
vector::VectorValue vector_arg(sqlite3_value* v, std::string_view what);

// Sets the function result to the packed BLOB with its subtype.
void result_vector(sqlite3_context* ctx, const vector::VectorValue& v);

}  // namespace hart
