#include "formats/metadata_json.h"

#include <unordered_set>

#include "formats/compact_array.h"
#include "formats/gguf_types.h"
#include "formats/json_util.h"
#include "util/error.h"

namespace hart {
namespace {

using Serializer = nlohmann::detail::serializer<ordered_json>;

void render(const ordered_json& v, Serializer& s, std::string& out) {
  if (v.is_binary()) {
    out.push_back('[');
    for (size_t i = 0, n = compact_size(v); i < n; ++i) {
      if (i) out.push_back(',');
      s.dump(compact_element(v, i), false, false, 0);  // a number: no allocation
    }
    out.push_back(']');
  } else if (v.is_array()) {
    out.push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out.push_back(',');
      render(v[i], s, out);
    }
    out.push_back(']');
  } else if (v.is_object()) {
    out.push_back('{');
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out.push_back(',');
      first = false;
      s.dump(ordered_json(it.key()), false, false, 0);
      out.push_back(':');
      render(*it, s, out);
    }
    out.push_back('}');
  } else {
    s.dump(v, false, false, 0);
  }
}

// nlohmann's SAX interface, building what ordered_json::parse builds except that an
// array whose tag says numbers or bools switches to compact bytes once it reaches
// kCompactArrayMinElements elements (and back to plain JSON should a later element
// not fit the tag).
class Builder {
 public:
  explicit Builder(const ordered_json& types) : tags_(types.is_object() ? types : empty_) {}

  bool null() { return add(nullptr); }
  bool boolean(bool b) { return add(b); }
  bool number_integer(int64_t i) { return add(i); }
  bool number_unsigned(uint64_t u) { return add(u); }
  bool number_float(double d, const std::string&) { return add(d); }
  bool string(std::string& s) { return add(std::move(s)); }
  bool binary(ordered_json::binary_t& b) { return add(ordered_json::binary(std::move(b))); }

  bool start_object(size_t) {
    push(ordered_json::object(), "");
    return true;
  }
  bool key(std::string& k) {
    Frame& f = stack_.back();
    f.key = std::move(k);
    if (stack_.size() == 1) {  // a metadata key: its tag guides the arrays below it
      const ordered_json* tag = tags_.find(f.key);
      key_tag_ = tag && tag->is_string() ? tag->get<std::string>() : "";
    }
    return true;
  }
  bool end_object() { return pop(); }
  bool start_array(size_t) {
    std::string tag;
    if (stack_.size() == 1 && stack_.back().value.is_object()) tag = key_tag_;
    else if (!stack_.empty() && stack_.back().value.is_array()) tag = stack_.back().element_tag;
    push(ordered_json::array(), tag);
    return true;
  }
  bool end_array() { return pop(); }
  bool parse_error(size_t, const std::string&, const nlohmann::detail::exception& e) {
    throw FormatError(std::string("metadata is not valid JSON: ") + e.what());
  }

  ordered_json result;

 private:
  struct Frame {
    ordered_json value;       // the object or array being built
    std::string key;          // objects: the key of the next value
    std::unordered_set<std::string> keys;
    std::string element_tag;  // arrays: the tag of their elements, "" when unknown
    uint32_t compactable = gguf::kValueTypeCount;  // the element type, when numbers or bools
    bool compact = false;     // elements are in `bytes`, not `value`
    std::vector<uint8_t> bytes;
  };

  void push(ordered_json value, const std::string& tag) {
    Frame f;
    f.value = std::move(value);
    if (auto t = gguf::parse_tag(tag); t && t->type == gguf::kArr) {
      f.element_tag = t->element;
      auto e = gguf::parse_tag(t->element);
      if (e && is_compactable_type(e->type)) f.compactable = e->type;
    }
    stack_.push_back(std::move(f));
  }

  bool pop() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    return add(f.compact ? make_compact_array(f.compactable, std::move(f.bytes)) : std::move(f.value));
  }

  bool add(ordered_json v) {
    if (stack_.empty()) {
      result = std::move(v);
      return true;
    }
    Frame& f = stack_.back();
    if (f.value.is_object()) {
      // Later duplicates replace earlier ones, as ordered_json::parse does.
      if (f.keys.insert(f.key).second) append_new_key(f.value, std::move(f.key), std::move(v));
      else f.value[f.key] = std::move(v);
      return true;
    }
    if (f.compact) {
      if (append_element(f.compactable, v, f.bytes)) return true;
      f.value = expand_compact(make_compact_array(f.compactable, std::move(f.bytes)));
      f.compact = false;
      f.compactable = gguf::kValueTypeCount;
    }
    f.value.push_back(std::move(v));
    if (f.compactable != gguf::kValueTypeCount && f.value.size() == kCompactArrayMinElements) to_compact(f);
    return true;
  }

  static void to_compact(Frame& f) {
    for (const auto& e : f.value)
      if (!append_element(f.compactable, e, f.bytes)) {
        f.bytes.clear();
        f.compactable = gguf::kValueTypeCount;  // stays plain
        return;
      }
    f.value = ordered_json::array();
    f.compact = true;
  }

  const ordered_json empty_ = ordered_json::object();
  InOrderLookup tags_;
  std::string key_tag_;
  std::vector<Frame> stack_;
};

}  // namespace

std::string metadata_to_json(const ordered_json& v) {
  std::string out;
  Serializer s(nlohmann::detail::output_adapter<char>(out), ' ');
  render(v, s, out);
  return out;
}

ordered_json metadata_from_json(std::string_view text, const ordered_json& types) {
  Builder b(types);
  ordered_json::sax_parse(text.begin(), text.end(), &b);
  return std::move(b.result);
}

}  // namespace hart
