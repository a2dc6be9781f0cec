#include "sql/vector_arg.h"

#include <new>
#include <string>

#include "util/error.h"

namespace hart {

using vector::VectorType;

std::optional<VectorType> vector_subtype(sqlite3_value* v) {
  switch (sqlite3_value_subtype(v)) {
    case kFloat32Subtype: return VectorType::Float32;
    case kInt8Subtype: return VectorType::Int8;
    case kBitSubtype: return VectorType::Bit;
    default: return std::nullopt;
  }
}

vector::VectorValue vector_arg(sqlite3_value* v, VectorType type, size_t dim, std::string_view what) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_BLOB: {
      if (auto marked = vector_subtype(v); marked && *marked != type)
        throw UsageError(std::string(what) + ": type mismatch: expected " + vector::vector_type_name(type) +
                         " elements, received a vector marked " + vector::vector_type_name(*marked));
      const auto* p = static_cast<const uint8_t*>(sqlite3_value_blob(v));
      const size_t n = static_cast<size_t>(sqlite3_value_bytes(v));
      return vector::vector_from_blob({p, n}, type, dim, what);
    }
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
      if (!p) throw std::bad_alloc();  // SQLite could not convert it: out of memory
      return vector::vector_from_json({p, static_cast<size_t>(sqlite3_value_bytes(v))}, type, dim, what);
    }
    case SQLITE_NULL:
      throw UsageError(std::string(what) + ": the vector is NULL");
    default:
      throw UsageError(std::string(what) + ": a vector is a BLOB or a JSON array, not a number");
  }
}

vector::VectorValue vector_arg(sqlite3_value* v, std::string_view what) {
  return vector_arg(v, vector_subtype(v).value_or(VectorType::Float32), 0, what);
}

void result_vector(sqlite3_context* ctx, const vector::VectorValue& v) {
  sqlite3_result_blob(ctx, v.bytes.data(), static_cast<int>(v.bytes.size()), SQLITE_TRANSIENT);
  const unsigned subtype = v.type == VectorType::Float32 ? kFloat32Subtype
                           : v.type == VectorType::Int8  ? kInt8Subtype
                                                         : kBitSubtype;
  sqlite3_result_subtype(ctx, subtype);
}

}  // namespace hart
