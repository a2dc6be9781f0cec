// A vector as SQL hands it over: a BLOB of packed elements or a JSON array, of one of
// sqlite-vec's three element types. Parsing checks the length and every value
// (finite floats, int8 range, whole bytes of bits) and names what is wrong, in
// sqlite-vec's style: the column or argument, the expected and the received size.
//
//   float32  4 bytes per element, little-endian IEEE 754; JSON: numbers
//   int8     1 byte per element, signed; JSON: integers in -128..127
//   bit      1 bit per element, packed 8 to a byte, least significant bit first;
//            the dimension is a multiple of 8; JSON: 0/1 integers
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hart::vector {

enum class VectorType : uint8_t { Float32 = 1, Int8 = 2, Bit = 3 };

const char* vector_type_name(VectorType t);  // "float32", "int8", "bit"
// "float32"/"float"/"f32", "int8"/"i8", "bit"; a UsageError listing them otherwise.
VectorType parse_vector_type(std::string_view name);
size_t vector_bytes(VectorType t, size_t dim);  // bytes of one packed vector

struct VectorValue {
  VectorType type = VectorType::Float32;
  size_t dim = 0;
  std::vector<uint8_t> bytes;  // vector_bytes(type, dim) packed elements

  // The elements as floats (bits as 0/1): what the float distance kernels take.
  std::vector<float> to_floats() const;
};

// Largest dimension accepted anywhere a vector is parsed (sqlite-vec's limit).
constexpr size_t kMaxVectorDim = 8192;

// A packed BLOB read as `type`. `dim` 0 takes the length as given (a bit BLOB's
// dimension is 8 per byte); otherwise the length must match. `what` names the
// column or argument in errors.
VectorValue vector_from_blob(std::span<const uint8_t> blob, VectorType type, size_t dim, std::string_view what);
// A JSON array of numbers read as `type`, with the same checks.
VectorValue vector_from_json(std::string_view json, VectorType type, size_t dim, std::string_view what);
// A JSON array: shortest round-trip floats, integers for int8 and bit.
std::string vector_to_json(const VectorValue& v);
// The shortest text that reads back as `x` ("200", "1.5"), for messages.
std::string number_text(double x);
// Packed float32 bytes of `values`.
VectorValue float_vector(std::span<const float> values);

}  // namespace hart::vector
