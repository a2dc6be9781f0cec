#include "tokenizer/vocab.h"

#include "formats/compact_array.h"
#include "tokenizer/pretokenizer.h"
#include "util/error.h"

namespace hart::tokenizer {

namespace {

std::string from_hex(const std::string& hex, const std::string& key) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw FormatError("tokenizer metadata " + key + ": hexstr value is not lowercase hex");
  };
  if (hex.size() % 2 != 0) throw FormatError("tokenizer metadata " + key + ": odd-length hexstr value");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  return out;
}

bool is_integer_tag(const std::string& t) {
  return t == "u8" || t == "i8" || t == "u16" || t == "i16" || t == "u32" || t == "i32" ||
         t == "u64" || t == "i64";
}

}  // namespace

MetadataView::MetadataView(const ordered_json& metadata, const ordered_json& types)
    : metadata_(metadata), types_(types) {
  if (!metadata_.is_object() || !types_.is_object())
    throw FormatError("tokenizer metadata must be a JSON object of keys with a matching object of type tags");
}

bool MetadataView::has(const std::string& key) const { return metadata_.contains(key); }

const ordered_json& MetadataView::value(const std::string& key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end()) throw FormatError("tokenizer metadata has no " + key);
  return *it;
}

std::string MetadataView::type(const std::string& key) const {
  auto it = types_.find(key);
  if (it == types_.end() || !it->is_string())
    throw FormatError("tokenizer metadata " + key + " has no type tag");
  return it->get<std::string>();
}

std::string MetadataView::string(const std::string& key) const {
  const auto& v = value(key);
  std::string t = type(key);
  if ((t != "str" && t != "hexstr") || !v.is_string())
    throw FormatError("tokenizer metadata " + key + " must be a string, not " + t);
  return t == "hexstr" ? from_hex(v.get<std::string>(), key) : v.get<std::string>();
}

std::vector<std::string> MetadataView::strings(const std::string& key) const {
  const auto& v = value(key);
  std::string t = type(key);
  if ((t != "arr[str]" && t != "arr[hexstr]") || !v.is_array())
    throw FormatError("tokenizer metadata " + key + " must be an array of strings, not " + t);
  const bool hex = t == "arr[hexstr]";
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!e.is_string()) throw FormatError("tokenizer metadata " + key + " holds a non-string element");
    out.push_back(hex ? from_hex(e.get<std::string>(), key) : e.get<std::string>());
  }
  return out;
}

std::vector<double> MetadataView::numbers(const std::string& key) const {
  std::string t = type(key);
  if (t.rfind("arr[", 0) != 0)
    throw FormatError("tokenizer metadata " + key + " must be an array of numbers, not " + t);
  auto out = metadata_numbers(value(key));  // a plain or a compact array
  if (!out) throw FormatError("tokenizer metadata " + key + " is not an array of numbers");
  return std::move(*out);
}

int64_t MetadataView::integer(const std::string& key) const {
  const auto& v = value(key);
  std::string t = type(key);
  if (!is_integer_tag(t) || !v.is_number_integer())
    throw FormatError("tokenizer metadata " + key + " must be an integer, not " + t);
  return v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
}

bool MetadataView::boolean(const std::string& key) const {
  const auto& v = value(key);
  if (type(key) != "bool" || !v.is_boolean())
    throw FormatError("tokenizer metadata " + key + " must be a bool, not " + type(key));
  return v.get<bool>();
}

void Vocab::build_index() {
  ids_.clear();
  ids_.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) ids_[tokens[i]] = static_cast<int32_t>(i);
}

namespace {

// llama.cpp's defaults for each family, before the file's own keys.
void apply_defaults(Vocab& v) {
  if (v.model == "llama") {
    v.special.bos = 1, v.special.eos = 2, v.special.unk = 0;
    v.add_bos = true, v.add_space_prefix = true;
  } else if (v.model == "bert") {
    v.special.bos = 101, v.special.unk = 100, v.special.sep = 102, v.special.pad = 0;
    v.special.mask = 103;
    v.add_bos = true, v.add_sep = true;
  } else if (v.model == "gpt2") {
    if (const PreTokenizerSpec* spec = find_pre_tokenizer(v.pre)) v.add_bos = spec->add_bos;
  }
}

void read_special_ids(const MetadataView& md, Vocab& v) {
  const std::pair<const char*, int32_t*> keys[] = {
      {"tokenizer.ggml.bos_token_id", &v.special.bos},
      {"tokenizer.ggml.eos_token_id", &v.special.eos},
      {"tokenizer.ggml.unknown_token_id", &v.special.unk},
      {"tokenizer.ggml.seperator_token_id", &v.special.sep},  // GGUF's spelling
      {"tokenizer.ggml.padding_token_id", &v.special.pad},
      {"tokenizer.ggml.cls_token_id", &v.special.cls},
      {"tokenizer.ggml.mask_token_id", &v.special.mask},
  };
  for (auto [key, id] : keys) {
    if (!v.valid(*id)) *id = -1;
    // An id outside the vocabulary (writers use 0xFFFFFFFF for "none") is ignored.
    if (md.has(key)) {
      int64_t x = md.integer(key);
      if (x >= 0 && x < v.size()) *id = static_cast<int32_t>(x);
    }
  }
  if (v.special.cls < 0 && v.model == "bert") v.special.cls = v.special.bos;
}

}  // namespace

Vocab read_vocab(const MetadataView& md) {
  Vocab v;
  v.model = md.string("tokenizer.ggml.model");
  if (md.has("tokenizer.ggml.pre")) v.pre = md.string("tokenizer.ggml.pre");
  v.tokens = md.strings("tokenizer.ggml.tokens");
  if (v.tokens.empty()) throw FormatError("tokenizer metadata tokenizer.ggml.tokens is empty");
  if (v.tokens.size() > static_cast<size_t>(INT32_MAX))
    throw FormatError("tokenizer metadata tokenizer.ggml.tokens has more than 2^31-1 tokens");
  const size_t n = v.tokens.size();
  for (size_t i = 0; i < n; ++i)  // as llama.cpp: an empty text could never be matched
    if (v.tokens[i].empty()) v.tokens[i] = "[EMPTY_" + std::to_string(i) + "]";

  v.scores.assign(n, 0.0f);
  if (md.has("tokenizer.ggml.scores")) {
    auto s = md.numbers("tokenizer.ggml.scores");
    if (s.size() < n)
      throw FormatError("tokenizer metadata tokenizer.ggml.scores has " + std::to_string(s.size()) +
                        " values for " + std::to_string(n) + " tokens");
    for (size_t i = 0; i < n; ++i) v.scores[i] = static_cast<float>(s[i]);
  }
  v.types.assign(n, TokenType::kNormal);
  if (md.has("tokenizer.ggml.token_type")) {
    auto t = md.numbers("tokenizer.ggml.token_type");
    if (t.size() < n)
      throw FormatError("tokenizer metadata tokenizer.ggml.token_type has " + std::to_string(t.size()) +
                        " values for " + std::to_string(n) + " tokens");
    for (size_t i = 0; i < n; ++i)
      v.types[i] = (t[i] >= 1 && t[i] <= 6) ? static_cast<TokenType>(static_cast<int>(t[i]))
                                            : TokenType::kUndefined;
  }
  v.build_index();

  apply_defaults(v);
  read_special_ids(md, v);
  if (md.has("tokenizer.ggml.add_bos_token")) v.add_bos = md.boolean("tokenizer.ggml.add_bos_token");
  if (md.has("tokenizer.ggml.add_eos_token")) v.add_eos = md.boolean("tokenizer.ggml.add_eos_token");
  if (md.has("tokenizer.ggml.add_sep_token")) v.add_sep = md.boolean("tokenizer.ggml.add_sep_token");
  if (md.has("tokenizer.ggml.add_space_prefix"))
    v.add_space_prefix = md.boolean("tokenizer.ggml.add_space_prefix");
  return v;
}

}  // namespace hart::tokenizer
