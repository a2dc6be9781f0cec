// GPT-2's pre-tokenizer, by hand rather than by regex:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (what llama.cpp's unicode_regex_split_custom_gpt2 matches).
#pragma once
#include <string_view>
#include <utility>
#include <vector>

namespace hart::tokenizer {

// Splits valid UTF-8 `text` into words, as [begin, end) byte offsets covering all of it.
std::vector<std::pair<size_t, size_t>> gpt2_pretokenize(std::string_view text);

}  // namespace hart::tokenizer
