// Pre-tokenizers of byte-level BPE vocabularies: how text is cut into words before
// merges, named by tokenizer.ggml.pre as llama.cpp names them. Each is a list of
// regexes from the model's published tokenizer.json, applied in turn, each to the
// pieces the one before left (matches and the gaps between them both become pieces),
// as llama.cpp's unicode_regex_split and Hugging Face's Sequence of Splits do.
//
// A new pre-tokenizer is a row of the table in pretokenizer.cpp.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/regex.h"

namespace hart::tokenizer {

struct PreTokenizerSpec {
  std::vector<std::string_view> names;    // tokenizer.ggml.pre values
  std::vector<std::string_view> regexes;  // applied in turn
  bool ignore_merges = false;  // a word that is itself a token is taken whole (Llama 3)
  bool add_bos = false;        // llama.cpp's default for tokenizer.ggml.add_bos_token
};

// The row naming `name` ("" means "default", as llama.cpp), or nullptr.
const PreTokenizerSpec* find_pre_tokenizer(std::string_view name);
// Every name find_pre_tokenizer knows, comma-separated (for error messages).
std::string pre_tokenizer_names();
// The row whose regex list is exactly `regexes` (to name a tokenizer.json's), or nullptr.
const PreTokenizerSpec* find_pre_tokenizer_by_regexes(const std::vector<std::string>& regexes);

// GPT-2's published regex (used by tokenizer.json's ByteLevel with use_regex).
extern const std::string_view kGpt2Regex;

class PreTokenizer {
 public:
  // Throws hart::Error naming a regex the engine cannot run.
  explicit PreTokenizer(const std::vector<std::string_view>& regexes);
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;

  // The words of valid UTF-8 `text`, as [begin, end) byte offsets covering all of it.
  std::vector<std::pair<size_t, size_t>> split(std::string_view text) const;

  class Stage;

 private:
  std::vector<std::unique_ptr<const Stage>> stages_;
};

}  // namespace hart::tokenizer
