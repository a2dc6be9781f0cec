// GGUF reader. Every count and length from the file is checked against the bytes
// that remain before anything is allocated or read.
#include "formats/gguf.h"

#include <cstring>
#include <unordered_set>

#include "formats/compact_array.h"
#include "formats/gguf_types.h"
#include "formats/json_util.h"
#include "formats/safetensors.h"  // guess_architecture
#include "util/byte_reader.h"
#include "util/error.h"

namespace hart {
namespace {

using namespace gguf;

// Bytes of one tensor info with no dimensions: name length, n_dims, type, offset.
constexpr uint64_t kMinTensorInfo = 8 + 4 + 4 + 8;
// Bytes of one key/value with an empty key and a one-byte value.
constexpr uint64_t kMinKeyValue = 8 + 4 + 1;

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) out.push_back(static_cast<char>(c));
    else out += "\\x" + to_hex(std::string_view(reinterpret_cast<const char*>(&c), 1));
  }
  return out;
}

std::optional<uint64_t> checked_align(uint64_t v, uint64_t alignment) {
  uint64_t rem = v % alignment;
  if (rem == 0) return v;
  if (v > UINT64_MAX - (alignment - rem)) return std::nullopt;
  return v + (alignment - rem);
}

class Parser {
 public:
  Parser(const uint8_t* data, size_t size, const std::string& what)
      : r_(data, size, what), what_(what) {}

  ModelFile parse();

 private:
  [[noreturn]] void fail(const std::string& msg) const { throw FormatError(what_ + ": " + msg); }
  // Rethrows `e` with `context` ("tensor 'x'") after the "<what>: " prefix.
  [[noreturn]] void rethrow_in(const std::string& context, const FormatError& e) const {
    std::string msg = e.what();
    if (msg.compare(0, what_.size() + 2, what_ + ": ") == 0) msg.erase(0, what_.size() + 2);
    fail(context + ": " + msg);
  }

  std::string_view read_string(const char* field) {
    uint64_t n = r_.read<uint64_t>(field);
    if (n > r_.remaining())
      fail(std::string(field) + " has length " + std::to_string(n) + " but only " +
           std::to_string(r_.remaining()) + " bytes remain in the file");
    return r_.bytes(n, field);
  }

  void read_header(ModelFile& m, uint64_t& n_tensors, uint64_t& n_kv);
  void read_key_value(ModelFile& m, uint64_t index);
  std::string read_value(uint32_t type, ordered_json& out, int depth);
  std::string read_array(ordered_json& out, int depth);
  std::string read_scalar(uint32_t type, ordered_json& out);
  void read_compact(uint32_t type, uint64_t n, ordered_json& out);
  void read_tensor_info(ModelFile& m, std::unordered_set<std::string>& names);
  void read_tensor_fields(TensorInfo& t);
  void check_tensor_ranges(ModelFile& m);

  ByteReader r_;
  const std::string& what_;
  std::unordered_set<std::string> keys_;
  uint64_t array_elements_ = 0;  // in all metadata arrays so far
};

void Parser::read_header(ModelFile& m, uint64_t& n_tensors, uint64_t& n_kv) {
  if (r_.size() < 4 || std::memcmp(r_.bytes(0, "magic").data(), "GGUF", 4) != 0)
    fail("not a GGUF file: magic is '" +
         printable(std::string_view(reinterpret_cast<const char*>(r_.bytes(0, "magic").data()),
                                    r_.size() < 4 ? r_.size() : 4)) +
         "', expected 'GGUF'");
  r_.skip(4, "magic");
  uint32_t version = r_.read<uint32_t>("GGUF version");
  if (version == 1) fail("GGUF version 1 is not supported (only versions 2 and 3)");
  if (version == 0x02000000u || version == 0x03000000u)
    fail("big-endian GGUF is not supported (version field reads " + std::to_string(version) + ")");
  if (version != 2 && version != 3)
    fail("unsupported GGUF version " + std::to_string(version) + " (only versions 2 and 3)");
  m.format_version = version;
  n_tensors = r_.read<uint64_t>("tensor count");
  n_kv = r_.read<uint64_t>("metadata count");
  // Each entry occupies a minimum number of bytes, so absurd counts fail here,
  // before anything is reserved.
  uint64_t rem = r_.remaining();
  if (n_kv > rem / kMinKeyValue)
    fail("metadata count " + std::to_string(n_kv) + " cannot fit in the " + std::to_string(rem) +
         " bytes that remain (each key/value needs at least " + std::to_string(kMinKeyValue) + ")");
  if (n_tensors > (rem - n_kv * kMinKeyValue) / kMinTensorInfo)
    fail("tensor count " + std::to_string(n_tensors) + " cannot fit in the " + std::to_string(rem) +
         " bytes that remain (each tensor info needs at least " + std::to_string(kMinTensorInfo) + ")");
}

std::string Parser::read_scalar(uint32_t type, ordered_json& out) {
  switch (type) {
    case kU8: out = static_cast<uint64_t>(r_.read<uint8_t>("u8 value")); break;
    case kI8: out = static_cast<int64_t>(r_.read<int8_t>("i8 value")); break;
    case kU16: out = static_cast<uint64_t>(r_.read<uint16_t>("u16 value")); break;
    case kI16: out = static_cast<int64_t>(r_.read<int16_t>("i16 value")); break;
    case kU32: out = static_cast<uint64_t>(r_.read<uint32_t>("u32 value")); break;
    case kI32: out = static_cast<int64_t>(r_.read<int32_t>("i32 value")); break;
    case kU64: out = r_.read<uint64_t>("u64 value"); break;
    case kI64: out = r_.read<int64_t>("i64 value"); break;
    // A float widens to double exactly, so converting back gives the same bits.
    case kF32: out = static_cast<double>(r_.read<float>("f32 value")); break;
    case kF64: out = r_.read<double>("f64 value"); break;
    case kBool: {
      uint8_t b = r_.read<uint8_t>("bool value");
      if (b > 1) fail("bool value is " + std::to_string(b) + " (must be 0 or 1)");
      out = b == 1;
      break;
    }
    case kStr: {
      std::string_view s = read_string("string");
      if (is_valid_utf8(s)) {
        out = std::string(s);
        return "str";
      }
      out = to_hex(s);
      return "hexstr";
    }
  }
  return scalar_tag(type);
}

// Re-encodes every string in `v` as hex (used when a sibling array needed "hexstr").
void hexify(ordered_json& v) {
  if (v.is_string()) v = to_hex(v.get_ref<const std::string&>());
  else if (v.is_array())
    for (auto& e : v) hexify(e);
}

std::string hexify_tag(const std::string& tag) {
  std::string out;
  for (size_t i = 0; i < tag.size();) {
    if (tag.compare(i, 6, "hexstr") == 0) { out += "hexstr"; i += 6; }
    else if (tag.compare(i, 3, "str") == 0) { out += "hexstr"; i += 3; }
    else out.push_back(tag[i++]);
  }
  return out;
}

std::string Parser::read_array(ordered_json& out, int depth) {
  if (depth >= kMaxArrayDepth)
    fail("arrays nested more than " + std::to_string(kMaxArrayDepth) + " deep");
  uint32_t type = r_.read<uint32_t>("array element type");
  if (type >= kValueTypeCount) fail("array has unknown element type " + std::to_string(type));
  uint64_t n = r_.read<uint64_t>("array length");
  uint64_t min = min_encoded_size(type);
  if (n > r_.remaining() / min)
    fail("array of " + std::to_string(n) + " elements needs at least " + std::to_string(min) +
         " bytes each but only " + std::to_string(r_.remaining()) + " bytes remain");
  if (n > kMaxMetadataArrayElements - array_elements_)
    fail("array of " + std::to_string(n) + " elements would bring the metadata's arrays to " +
         std::to_string(array_elements_ + n) + " elements in all; at most " +
         std::to_string(kMaxMetadataArrayElements) + " are accepted");
  array_elements_ += n;
  if (n >= kCompactArrayMinElements && is_compactable_type(type)) {
    read_compact(type, n, out);
    return std::string("arr[") + scalar_tag(type) + "]";
  }
  out = ordered_json::array();
  out.get_ref<ordered_json::array_t&>().reserve(static_cast<size_t>(n));
  if (type != kStr && type != kArr) {
    for (uint64_t i = 0; i < n; ++i) read_scalar(type, out.emplace_back());
    return std::string("arr[") + scalar_tag(type) + "]";
  }
  if (n == 0) return type == kStr ? "arr[str]" : "arr[arr]";
  // Elements must share one tag; strings that are not UTF-8 make all of them hex. At
  // most two tags can be told apart that way ("…str…" and "…hexstr…"), so each
  // element keeps an index, not a string of its own (32 bytes per element).
  std::vector<std::string> distinct;
  std::vector<uint8_t> tag_of(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) {
    std::string t = read_value(type, out.emplace_back(), depth + 1);
    size_t k = 0;
    while (k < distinct.size() && distinct[k] != t) ++k;
    if (k == distinct.size()) {
      if (!distinct.empty() && hexify_tag(t) != hexify_tag(distinct[0]))
        fail("array elements have different types (" + distinct[0] + " and " + t +
             "), which cannot be represented");
      distinct.push_back(std::move(t));
    }
    tag_of[i] = static_cast<uint8_t>(k);
  }
  if (distinct.size() == 1) return "arr[" + distinct[0] + "]";
  const std::string tag = hexify_tag(distinct[0]);
  for (uint64_t i = 0; i < n; ++i)
    if (distinct[tag_of[i]] != tag) hexify(out[i]);
  return "arr[" + tag + "]";
}

// The elements' bytes as they are (compact_array.h); bools are checked as read_scalar does.
void Parser::read_compact(uint32_t type, uint64_t n, ordered_json& out) {
  std::string_view bytes = r_.bytes(n * scalar_size(type), "array elements");
  if (type == kBool)
    for (unsigned char b : bytes)
      if (b > 1) fail("bool value is " + std::to_string(b) + " (must be 0 or 1)");
  out = make_compact_array(type, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

std::string Parser::read_value(uint32_t type, ordered_json& out, int depth) {
  if (type == kArr) return read_array(out, depth);
  if (type >= kValueTypeCount) fail("unknown value type " + std::to_string(type));
  return read_scalar(type, out);
}

void Parser::read_key_value(ModelFile& m, uint64_t index) {
  std::string_view raw = read_string("metadata key");
  if (!is_valid_utf8(raw))
    fail("metadata key #" + std::to_string(index) + " ('" + printable(raw) + "') is not valid UTF-8");
  std::string key(raw);
  if (!keys_.insert(key).second) fail("duplicate metadata key '" + key + "'");
  try {
    uint32_t type = r_.read<uint32_t>("value type");
    ordered_json value;
    std::string tag = read_value(type, value, 0);
    if (key == "general.alignment") {
      if (tag != "u32") fail("general.alignment must be a u32, not " + tag);
      uint64_t a = value.get<uint64_t>();
      if (a == 0 || (a & (a - 1)) != 0)
        fail("general.alignment " + std::to_string(a) + " is not a nonzero power of two");
      m.alignment = a;
    }
    append_new_key(m.metadata, key, std::move(value));
    append_new_key(m.metadata_types, key, tag);
  } catch (const FormatError& e) {
    rethrow_in("metadata key '" + key + "'", e);
  }
}

void Parser::read_tensor_info(ModelFile& m, std::unordered_set<std::string>& names) {
  std::string_view raw = read_string("tensor name");
  if (!is_valid_utf8(raw))
    fail("tensor #" + std::to_string(m.tensors.size()) + " name '" + printable(raw) +
         "' is not valid UTF-8");
  TensorInfo t;
  t.name = std::string(raw);
  if (!names.insert(t.name).second) fail("duplicate tensor name '" + t.name + "'");
  try {
    read_tensor_fields(t);
  } catch (const FormatError& e) {
    rethrow_in("tensor '" + t.name + "'", e);
  }
  m.tensors.push_back(std::move(t));
}

void Parser::read_tensor_fields(TensorInfo& t) {
  uint32_t n_dims = r_.read<uint32_t>("tensor dimension count");
  if (n_dims > kGgufMaxDims)
    fail("has " + std::to_string(n_dims) + " dimensions (at most " +
         std::to_string(kGgufMaxDims) + " are allowed)");
  std::vector<uint64_t> ne(n_dims);  // innermost first, as in the file
  for (auto& d : ne) d = r_.read<uint64_t>("tensor dimension");
  uint32_t type = r_.read<uint32_t>("tensor type");
  t.offset = r_.read<uint64_t>("tensor offset");
  auto dtype = dtype_from_ggml_id(type);
  if (!dtype) fail("unknown or unsupported GGML type id " + std::to_string(type));
  t.dtype = *dtype;
  t.shape.assign(ne.rbegin(), ne.rend());
  // Zero dimensions are allowed (an empty tensor, 0 bytes), as in ggml itself.
  t.n_elements = 1;
  for (uint64_t d : ne) {
    if (d != 0 && t.n_elements > UINT64_MAX / d)
      fail("element count overflows 64 bits (dimensions too large)");
    t.n_elements *= d;
  }
  const DTypeInfo& info = dtype_info(t.dtype);
  uint64_t row = n_dims ? ne[0] : 1;
  if (row % info.block_elems)
    fail("row length " + std::to_string(row) + " is not a whole number of " + info.name +
         " blocks (" + std::to_string(info.block_elems) + " elements each)");
  auto bytes = dtype_row_bytes(t.dtype, t.n_elements);
  if (!bytes) fail("byte size overflows 64 bits");
  t.n_bytes = *bytes;
}

void Parser::check_tensor_ranges(ModelFile& m) {
  const uint64_t size = r_.size();
  for (const TensorInfo& t : m.tensors) {
    const std::string ctx = "tensor '" + t.name + "': ";
    if (t.offset % m.alignment)
      fail(ctx + "offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
           std::to_string(m.alignment));
    // ggml reads each tensor's padding too, so the padded end must be in the file.
    std::optional<uint64_t> end;
    if (t.offset <= UINT64_MAX - t.n_bytes) end = checked_align(t.offset + t.n_bytes, m.alignment);
    if (!end || m.data_offset > size || *end > size - m.data_offset)
      fail(ctx + "data at offset " + std::to_string(t.offset) + " (+" + std::to_string(t.n_bytes) +
           " bytes, padded to " + std::to_string(m.alignment) + ") from data start " +
           std::to_string(m.data_offset) + " runs past the end of the file (" +
           std::to_string(size) + " bytes)");
  }
}

ModelFile Parser::parse() {
  ModelFile m;
  m.format = "gguf";
  m.alignment = kGgufDefaultAlignment;
  uint64_t n_tensors = 0, n_kv = 0;
  read_header(m, n_tensors, n_kv);
  for (uint64_t i = 0; i < n_kv; ++i) read_key_value(m, i);
  std::unordered_set<std::string> names;
  m.tensors.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) read_tensor_info(m, names);
  // The data section starts at the next multiple of the alignment. A file without
  // tensors may end before that padding (gguf-py's vocab-only files do).
  uint64_t infos_end = r_.offset();
  m.data_offset = *checked_align(infos_end, m.alignment);
  if (m.tensors.empty() && m.data_offset > r_.size()) m.data_offset = infos_end;
  check_tensor_ranges(m);
  auto arch = m.metadata.find("general.architecture");
  if (arch != m.metadata.end() && m.metadata_types["general.architecture"] == "str")
    m.architecture = arch->get<std::string>();
  else
    m.architecture = guess_architecture(m.tensors);
  return m;
}

}  // namespace

bool is_gguf(const uint8_t* data, size_t size) {
  return size >= 4 && std::memcmp(data, "GGUF", 4) == 0;
}

ModelFile read_gguf(const uint8_t* data, size_t size, const std::string& what) {
  return Parser(data, size, what).parse();
}

}  // namespace hart
