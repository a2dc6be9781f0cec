// A small regular-expression engine for pre-tokenizer patterns (the Split regexes
// of Hugging Face tokenizer.json files and llama.cpp's per-model lists), over code
// points with Unicode properties. std::regex cannot do this: it has no \p{...}.
//
// Supported: literals, `.`, classes `[...]` / `[^...]` with ranges, \p{L} \p{N}
// \p{P} \p{S} \p{M} \p{Z} \p{C} (and \P{...} outside classes), \s \S \d \D \w \W,
// \r \n \t \f \v \xHH \x{H..} \uHHHH, escaped punctuation; groups `(...)`, `(?:...)`,
// `(?i:...)` (ASCII case folding), lookahead `(?=...)` `(?!...)`; anchors `^` `$`
// `\b` `\B` (at the bounds of the text being split); greedy `?` `*` `+` `{n}` `{n,}`
// `{n,m}`; alternation that takes the first alternative that leads to a match, as
// ECMAScript, Perl and Oniguruma do. \s is the Unicode White_Space property; \d and
// \w are ASCII (as std::regex). Anything else (lookbehind, lazy or possessive
// quantifiers, \p{Lu} and other sub-categories, class set operations) is refused
// with an error naming it, so an unknown pattern never tokenizes silently wrong.
//
// Matching is backtracking over a compiled program, with a step budget that turns a
// pathological pattern into an error instead of a hang. As in std::regex and
// Oniguruma, a search retried from every start can cost time quadratic in a run's
// length (DeepSeek LLM's `\s+$` over many spaces followed by a digit).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hart::tokenizer {

// Valid UTF-8 decoded once for pre-tokenizing: code points, their properties and
// their byte offsets (offsets[size()] == text size).
struct DecodedText {
  explicit DecodedText(std::string_view utf8);
  size_t size() const { return cps.size(); }
  std::vector<uint32_t> cps;
  std::vector<uint8_t> props;  // Category in the low bits, kSpaceBit for White_Space
  std::vector<size_t> offsets;
  static constexpr uint8_t kSpaceBit = 0x80;
};

class Regex {
 public:
  // Throws hart::Error naming the pattern and what in it is unsupported or malformed.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  const std::string& pattern() const { return pattern_; }

  // Splits text[begin, end) into its matches and the gaps between them, as
  // std::regex_iterator walks it, appending the end of each piece to `ends` (an empty
  // match only cuts). Lookahead and anchors see only [begin, end).
  void split(const DecodedText& text, size_t begin, size_t end, std::vector<size_t>& ends) const;

  // The end of the match that starts exactly at `pos`, or SIZE_MAX when none does.
  size_t match_at(const DecodedText& text, size_t begin, size_t pos, size_t end) const;

 private:
  struct Program;
  std::string pattern_;
  std::unique_ptr<const Program> program_;
};

}  // namespace hart::tokenizer
