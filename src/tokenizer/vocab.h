// The vocabulary every tokenizer family shares, read from GGUF tokenizer metadata
// (ModelFile::metadata and its type tags, or the same JSON from models.metadata).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace hart::tokenizer {

using ordered_json = nlohmann::ordered_json;

// Typed reads of metadata values; each throws FormatError naming the key and what
// was wrong. "hexstr" values (strings that were not UTF-8) are decoded back to bytes.
class MetadataView {
 public:
  MetadataView(const ordered_json& metadata, const ordered_json& types);
  bool has(const std::string& key) const;
  std::string string(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;
  std::vector<double> numbers(const std::string& key) const;  // an array of numbers
  int64_t integer(const std::string& key) const;
  bool boolean(const std::string& key) const;

 private:
  const ordered_json& value(const std::string& key) const;
  std::string type(const std::string& key) const;
  const ordered_json& metadata_;
  const ordered_json& types_;
};

struct Vocab {
  Vocab() = default;
  Vocab(Vocab&&) = default;  // moving keeps the strings the index views
  Vocab& operator=(Vocab&&) = default;
  Vocab(const Vocab&) = delete;  // a copy's index would view the original's strings

  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("" when absent)
  std::vector<std::string> tokens;
  std::vector<float> scores;     // 0 when the file has none
  std::vector<TokenType> types;  // kNormal when the file has none
  SpecialTokens special;
  bool add_bos = false, add_eos = false, add_sep = false, add_space_prefix = false;

  // Token id of exactly `text`, or -1. A text listed twice maps to its last id (as llama.cpp).
  int32_t find(std::string_view text) const {
    auto it = ids_.find(text);
    return it == ids_.end() ? -1 : it->second;
  }
  int32_t size() const { return static_cast<int32_t>(tokens.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < size(); }
  void build_index();  // call after `tokens` is final (the index views its strings)

 private:
  std::unordered_map<std::string_view, int32_t> ids_;
};

// Reads the tokens, scores, types, special ids and add_* flags. Per-family defaults
// (llama.cpp's) are applied before the file's own values.
Vocab read_vocab(const MetadataView& md);

}  // namespace hart::tokenizer
