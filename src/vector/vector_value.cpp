#include "vector/vector_value.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "util/error.h"

namespace hart::vector {
namespace {

std::string count_text(size_t n, const char* unit) { return std::to_string(n) + " " + unit + (n == 1 ? "" : "s"); }

void check_dim(size_t got, size_t dim, std::string_view what) {
  if (got == 0) throw UsageError(std::string(what) + ": the vector is empty (zero dimensions)");
  if (got > kMaxVectorDim)
    throw UsageError(std::string(what) + ": " + count_text(got, "dimension") + ", more than the limit of " +
                     std::to_string(kMaxVectorDim));
  if (dim && got != dim)
    throw UsageError(std::string(what) + ": dimension mismatch: expected " + count_text(dim, "dimension") +
                     " but received " + std::to_string(got));
}

void check_finite(const float* v, size_t n, std::string_view what) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i]))
      throw UsageError(std::string(what) + ": element " + std::to_string(i) + " is " +
                       (std::isnan(v[i]) ? "NaN" : "infinite") + "; vectors hold finite numbers only");
}

void skip_space(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

// The numbers of a flat JSON array, strictly: no nesting, no trailing comma.
std::vector<double> parse_json_numbers(std::string_view s, std::string_view what) {
  auto bad = [&](const std::string& why) {
    return UsageError(std::string(what) + ": not a JSON array of numbers (" + why + ")");
  };
  size_t i = 0;
  skip_space(s, i);
  if (i == s.size() || s[i] != '[') throw bad("it does not start with '['");
  ++i;
  std::vector<double> out;
  skip_space(s, i);
  if (i < s.size() && s[i] == ']') {
    ++i;
  } else {
    for (;;) {
      skip_space(s, i);
      double x = 0;
      auto r = std::from_chars(s.data() + i, s.data() + s.size(), x);
      if (r.ec == std::errc::result_out_of_range)
        throw UsageError(std::string(what) + ": element " + std::to_string(out.size()) + " is out of range");
      if (r.ec != std::errc() || r.ptr == s.data() + i)
        throw bad("element " + std::to_string(out.size()) + " at offset " + std::to_string(i) + " is not a number");
      i = static_cast<size_t>(r.ptr - s.data());
      out.push_back(x);
      if (out.size() > kMaxVectorDim) check_dim(out.size(), 0, what);
      skip_space(s, i);
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == ']') {
        ++i;
        break;
      }
      throw bad("expected ',' or ']' at offset " + std::to_string(i));
    }
  }
  skip_space(s, i);
  if (i != s.size()) throw bad("text after the closing ']' at offset " + std::to_string(i));
  return out;
}

}  // namespace

const char* vector_type_name(VectorType t) {
  switch (t) {
    case VectorType::Float32: return "float32";
    case VectorType::Int8: return "int8";
    case VectorType::Bit: return "bit";
  }
  return "?";
}

VectorType parse_vector_type(std::string_view name) {
  if (name == "float32" || name == "float" || name == "f32") return VectorType::Float32;
  if (name == "int8" || name == "i8") return VectorType::Int8;
  if (name == "bit") return VectorType::Bit;
  throw UsageError("unknown vector element type '" + std::string(name) + "' (known: float32 or float, int8, bit)");
}

size_t vector_bytes(VectorType t, size_t dim) {
  switch (t) {
    case VectorType::Float32: return dim * 4;
    case VectorType::Int8: return dim;
    case VectorType::Bit: return dim / 8;
  }
  return 0;
}

std::vector<float> VectorValue::to_floats() const {
  std::vector<float> out(dim);
  if (type == VectorType::Float32) std::memcpy(out.data(), bytes.data(), dim * 4);
  else if (type == VectorType::Int8)
    for (size_t i = 0; i < dim; ++i) out[i] = static_cast<int8_t>(bytes[i]);
  else
    for (size_t i = 0; i < dim; ++i) out[i] = (bytes[i / 8] >> (i % 8)) & 1;
  return out;
}

VectorValue vector_from_blob(std::span<const uint8_t> blob, VectorType type, size_t dim, std::string_view what) {
  const size_t unit = type == VectorType::Float32 ? 4 : 1;
  if (blob.size() % unit)
    throw UsageError(std::string(what) + ": a float32 vector BLOB has a multiple of 4 bytes; received " +
                     count_text(blob.size(), "byte"));
  const size_t got = type == VectorType::Bit ? blob.size() * 8 : blob.size() / unit;
  if (dim && got != dim)
    throw UsageError(std::string(what) + ": dimension mismatch: expected " + count_text(dim, "dimension") + " (" +
                     count_text(vector_bytes(type, dim), "byte") + " of " + vector_type_name(type) +
                     ") but received " + count_text(blob.size(), "byte"));
  check_dim(got, dim, what);
  VectorValue v{type, got, std::vector<uint8_t>(blob.begin(), blob.end())};
  if (type == VectorType::Float32) check_finite(reinterpret_cast<const float*>(v.bytes.data()), got, what);
  return v;
}

VectorValue vector_from_json(std::string_view json, VectorType type, size_t dim, std::string_view what) {
  const std::vector<double> xs = parse_json_numbers(json, what);
  check_dim(xs.size(), dim, what);
  if (type == VectorType::Bit && xs.size() % 8)
    throw UsageError(std::string(what) + ": a bit vector has a multiple of 8 elements; received " +
                     std::to_string(xs.size()));
  VectorValue v{type, xs.size(), std::vector<uint8_t>(vector_bytes(type, xs.size()))};
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    auto not_allowed = [&](const char* allowed) {
      return UsageError(std::string(what) + ": element " + std::to_string(i) + " (" + number_text(x) +
                        ") is not " + allowed);
    };
    if (type == VectorType::Float32) {
      const float f = static_cast<float>(x);
      if (!std::isfinite(f)) throw not_allowed("a finite float32");
      std::memcpy(v.bytes.data() + 4 * i, &f, 4);
    } else if (type == VectorType::Int8) {
      if (x != std::floor(x) || x < -128 || x > 127) throw not_allowed("an integer in -128..127");
      v.bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(x));
    } else {
      if (x != 0 && x != 1) throw not_allowed("0 or 1");
      if (x == 1) v.bytes[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    }
  }
  return v;
}

std::string vector_to_json(const VectorValue& v) {
  std::string out = "[";
  char buf[32];
  const std::vector<float> xs = v.to_floats();
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i) out += ',';
    auto r = v.type == VectorType::Float32 ? std::to_chars(buf, buf + sizeof buf, xs[i])
                                           : std::to_chars(buf, buf + sizeof buf, static_cast<int>(xs[i]));
    out.append(buf, r.ptr);
  }
  return out + "]";
}

std::string number_text(double x) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
}

VectorValue float_vector(std::span<const float> values) {
  VectorValue v{VectorType::Float32, values.size(), std::vector<uint8_t>(values.size() * 4)};
  std::memcpy(v.bytes.data(), values.data(), v.bytes.size());
  return v;
}

}  // namespace hart::vector
