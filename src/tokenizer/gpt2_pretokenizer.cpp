#include "tokenizer/gpt2_pretokenizer.h"

#include <cstdint>

#include "tokenizer/unicode.h"

namespace hart::tokenizer {

namespace {

enum Class : uint8_t { kEnd, kLetter, kNumber, kSpace, kOther };

Class classify(uint8_t props) {
  if (props & DecodedText::kSpaceBit) return kSpace;
  switch (static_cast<Category>(props & 0x0F)) {
    case Category::kLetter: return kLetter;
    case Category::kNumber: return kNumber;
    default: return kOther;
  }
}

}  // namespace

void gpt2_pretokenize(const DecodedText& text, size_t begin, size_t end, std::vector<size_t>& ends) {
  const auto& cps = text.cps;
  auto cls = [&](size_t p) { return p < end ? classify(text.props[p]) : kEnd; };
  auto cp_at = [&](size_t p) -> uint32_t { return p < end ? cps[p] : 0xFFFFFFFFu; };

  size_t prev = begin;
  auto emit = [&](size_t at) {
    if (at > prev) ends.push_back(at);
    prev = at;
  };

  for (size_t pos = begin; pos < end;) {
    const uint32_t c = cps[pos];
    if (c == '\'' && pos + 1 < end) {  // 's 't 'm 'd 're 've 'll (case-sensitive)
      uint32_t c1 = cps[pos + 1];
      if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
        emit(pos += 2);
        continue;
      }
      uint32_t c2 = cp_at(pos + 2);
      if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
        emit(pos += 3);
        continue;
      }
    }
    // ` ?X+` for letters, numbers, and everything else that is not whitespace.
    const Class k = c == ' ' ? cls(pos + 1) : cls(pos);
    if (k == kLetter || k == kNumber || k == kOther) {
      pos += (c == ' ');
      while (cls(pos) == k) ++pos;
      emit(pos);
      continue;
    }
    size_t spaces = 0;
    while (cls(pos + spaces) == kSpace) ++spaces;
    if (spaces > 1 && pos + spaces < end) {  // \s+(?!\S): leave the last space to the next word
      emit(pos += spaces - 1);
      continue;
    }
    if (spaces > 0) {
      emit(pos += spaces);
      continue;
    }
    emit(++pos);
  }
}

}  // namespace hart::tokenizer
