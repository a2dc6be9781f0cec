// GPT-2's pre-tokenizer, by hand rather than by regex:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (what llama.cpp's unicode_regex_split_custom_gpt2 matches). The regex engine gives
// the same pieces (a test checks it on random text); this is the fast path for the
// most common pattern.
#pragma once
#include <vector>

#include "tokenizer/regex.h"

namespace hart::tokenizer {

// Splits text[begin, end) into words, appending the end of each to `ends`.
void gpt2_pretokenize(const DecodedText& text, size_t begin, size_t end, std::vector<size_t>& ends);

}  // namespace hart::tokenizer
