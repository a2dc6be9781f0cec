// safetensors reader. The header is untrusted JSON: duplicate keys (which
// nlohmann::json would silently collapse) and absurd nesting are refused while
// parsing, and every tensor's byte range is checked against the data section.
#include "formats/safetensors.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "formats/json_util.h"
#include "util/error.h"

namespace hart {
namespace {

constexpr int kMaxJsonDepth = 64;  // a valid header nests 3 deep

using Json = nlohmann::json;  // std::map objects: O(log n) inserts for huge headers

// A first pass over the header as SAX events: refuses duplicate keys (the DOM
// parser would silently keep one) and deep nesting, and records the order of the
// "__metadata__" keys. (nlohmann's parser callback cannot be used for this: with a
// callback, closing each object rescans its parent, O(n^2) for n tensors.)
class HeaderChecker : public nlohmann::json_sax<Json> {
 public:
  explicit HeaderChecker(const std::string& what) : what_(what) {}

  const std::vector<std::string>& metadata_order() const { return metadata_order_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    enter();
    keys_.emplace_back();
    last_key_.emplace_back();
    return true;
  }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second)
      fail("duplicate key '" + k + "' in the header" +
           (keys_.size() > 1 ? " inside '" + last_key_[last_key_.size() - 2] + "'"
                             : std::string(" at the top level")));
    last_key_.back() = k;
    if (keys_.size() == 2 && last_key_[0] == "__metadata__") metadata_order_.push_back(k);
    return true;
  }
  bool end_object() override {
    keys_.pop_back();
    last_key_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    enter();
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    fail(std::string("header is not valid JSON: ") + e.what());
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const { throw FormatError(what_ + ": " + msg); }
  void enter() {
    if (++depth_ > kMaxJsonDepth)
      fail("header JSON nests more than " + std::to_string(kMaxJsonDepth) + " deep");
  }

  const std::string& what_;
  int depth_ = 0;
  std::vector<std::unordered_set<std::string>> keys_;
  std::vector<std::string> last_key_;
  std::vector<std::string> metadata_order_;
};

std::optional<uint64_t> as_u64(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

TensorInfo parse_tensor(const std::string& name, const Json& v, uint64_t data_size,
                        const std::string& what) {
  auto fail = [&](const std::string& msg) {
    throw FormatError(what + ": tensor '" + name + "': " + msg);
  };
  if (!v.is_object()) fail("header entry is not an object");
  TensorInfo t;
  t.name = name;
  auto dt = v.find("dtype");
  if (dt == v.end() || !dt->is_string()) fail("missing or non-string \"dtype\"");
  auto dtype = dtype_from_safetensors(dt->get_ref<const std::string&>());
  if (!dtype) fail("unknown dtype '" + dt->get<std::string>() + "'");
  t.dtype = *dtype;
  auto shape = v.find("shape");
  if (shape == v.end() || !shape->is_array()) fail("missing or non-array \"shape\"");
  t.n_elements = 1;
  for (const auto& d : *shape) {
    auto n = as_u64(d);
    if (!n) fail("shape entry " + d.dump() + " is not a non-negative integer");
    t.shape.push_back(*n);
    if (*n != 0 && t.n_elements > UINT64_MAX / *n) fail("element count overflows 64 bits");
    t.n_elements *= *n;
  }
  auto bytes = dtype_row_bytes(t.dtype, t.n_elements);
  if (!bytes) fail("byte size overflows 64 bits");
  t.n_bytes = *bytes;
  auto offs = v.find("data_offsets");
  if (offs == v.end() || !offs->is_array() || offs->size() != 2)
    fail("missing \"data_offsets\" or it is not [begin, end]");
  auto begin = as_u64((*offs)[0]), end = as_u64((*offs)[1]);
  if (!begin || !end) fail("data_offsets " + offs->dump() + " are not non-negative integers");
  if (*begin > *end) fail("data_offsets " + offs->dump() + " end before they begin");
  if (*end > data_size)
    fail("data_offsets " + offs->dump() + " run past the end of the data section (" +
         std::to_string(data_size) + " bytes)");
  if (*end - *begin != t.n_bytes)
    fail("data_offsets " + offs->dump() + " span " + std::to_string(*end - *begin) +
         " bytes but the shape and dtype " + dt->get<std::string>() + " need " +
         std::to_string(t.n_bytes));
  t.offset = *begin;
  return t;
}

}  // namespace

bool is_safetensors(const uint8_t* data, size_t size) {
  if (size < 10) return false;
  uint64_t n;
  std::memcpy(&n, data, 8);
  // No check against kSafetensorsMaxHeader here: a header over it is still this format,
  // and read_safetensors names the limit rather than the file passing as binary.
  return n >= 2 && n <= size - 8 && data[8] == '{';
}

std::string guess_architecture(const std::vector<TensorInfo>& tensors) {
  auto any = [&](auto pred) { return std::any_of(tensors.begin(), tensors.end(), pred); };
  auto has = [](const std::string& s, const char* part) { return s.find(part) != std::string::npos; };
  auto starts = [](const std::string& s, const char* p) { return s.rfind(p, 0) == 0; };
  if (any([&](const TensorInfo& t) { return has(t.name, "model.layers."); })) return "llama";
  if (any([&](const TensorInfo& t) {
        return starts(t.name, "transformer.h.") || (starts(t.name, "h.") && has(t.name, ".attn.c_attn"));
      }))
    return "gpt2";
  if (any([&](const TensorInfo& t) { return has(t.name, "encoder.layer.") || starts(t.name, "bert."); }))
    return "bert";
  return "unknown";
}

ModelFile read_safetensors(const uint8_t* data, size_t size, const std::string& what) {
  auto fail = [&](const std::string& msg) { throw FormatError(what + ": " + msg); };
  if (size < 8)
    fail("truncated: " + std::to_string(size) + " bytes is too short for the 8-byte header length");
  uint64_t n;
  std::memcpy(&n, data, 8);
  if (n > kSafetensorsMaxHeader)
    fail("header length " + std::to_string(n) + " exceeds the limit of " +
         std::to_string(kSafetensorsMaxHeader) + " bytes");
  if (n > size - 8)
    fail("header length " + std::to_string(n) + " runs past the end of the file (" +
         std::to_string(size) + " bytes)");
  std::string_view text(reinterpret_cast<const char*>(data) + 8, static_cast<size_t>(n));
  if (text.empty() || text[0] != '{') fail("header is not a JSON object (does not start with '{')");
  HeaderChecker checker(what);
  Json::sax_parse(text.begin(), text.end(), &checker);
  Json header = Json::parse(text.begin(), text.end());  // valid: the checker passed
  if (!header.is_object()) fail("header is not a JSON object");

  ModelFile m;
  m.format = "safetensors";
  m.alignment = 8;
  m.data_offset = 8 + n;
  const uint64_t data_size = size - m.data_offset;
  for (const auto& [key, value] : header.items()) {
    if (key != "__metadata__") {
      m.tensors.push_back(parse_tensor(key, value, data_size, what));
      continue;
    }
    if (!value.is_object()) fail("__metadata__ is not a JSON object");
    for (const std::string& mk : checker.metadata_order()) {  // file order
      const Json& mv = value.at(mk);
      if (!mv.is_string()) fail("__metadata__ value of '" + mk + "' is not a string");
      append_new_key(m.metadata, mk, mv.get<std::string>());
      append_new_key(m.metadata_types, mk, "str");
    }
  }
  // Data order, not header order; empty tensors cannot overlap anything.
  std::stable_sort(m.tensors.begin(), m.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.n_bytes < b.n_bytes;
  });
  const TensorInfo* prev = nullptr;
  for (const TensorInfo& t : m.tensors) {
    if (t.n_bytes == 0) continue;
    if (prev && t.offset < prev->offset + prev->n_bytes)
      fail("tensors '" + prev->name + "' and '" + t.name + "' overlap in the data section");
    if (!prev || t.offset + t.n_bytes > prev->offset + prev->n_bytes) prev = &t;
  }
  for (const char* k : {"general.architecture", "architecture"}) {
    auto it = m.metadata.find(k);
    if (it != m.metadata.end() && m.architecture.empty()) m.architecture = it->get<std::string>();
  }
  if (m.architecture.empty()) m.architecture = guess_architecture(m.tensors);
  return m;
}

}  // namespace hart
