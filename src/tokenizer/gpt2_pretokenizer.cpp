#include "tokenizer/gpt2_pretokenizer.h"

#include <cstdint>

#include "tokenizer/unicode.h"
#include "util/utf8.h"

namespace hart::tokenizer {

namespace {

enum Class : uint8_t { kEnd, kLetter, kNumber, kSpace, kOther };

Class classify(uint32_t cp) {
  if (is_whitespace(cp)) return kSpace;
  switch (category(cp)) {
    case Category::kLetter: return kLetter;
    case Category::kNumber: return kNumber;
    default: return kOther;
  }
}

}  // namespace

std::vector<std::pair<size_t, size_t>> gpt2_pretokenize(std::string_view text) {
  // Code points, their classes and byte offsets (offs[n] = text.size()).
  std::vector<uint32_t> cps;
  std::vector<Class> cls;
  std::vector<size_t> offs;
  cps.reserve(text.size());
  cls.reserve(text.size() + 1);
  offs.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size();) {
    Utf8Step st = utf8_step_final(text.substr(i));
    offs.push_back(i);
    cps.push_back(st.cp);
    cls.push_back(classify(st.cp));
    i += st.len;
  }
  const size_t n = cps.size();
  offs.push_back(text.size());
  cls.push_back(kEnd);
  auto cp_at = [&](size_t p) -> uint32_t { return p < n ? cps[p] : 0xFFFFFFFFu; };

  std::vector<std::pair<size_t, size_t>> words;
  size_t prev = 0;
  auto emit = [&](size_t end) {
    if (end > prev) words.emplace_back(offs[prev], offs[end]);
    prev = end;
  };

  for (size_t pos = 0; pos < n;) {
    const uint32_t c = cps[pos];
    if (c == '\'' && pos + 1 < n) {  // 's 't 'm 'd 're 've 'll (case-sensitive)
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
    const Class k = c == ' ' ? cls[pos + 1] : cls[pos];
    if (k == kLetter || k == kNumber || k == kOther) {
      pos += (c == ' ');
      while (cls[pos] == k) ++pos;
      emit(pos);
      continue;
    }
    size_t spaces = 0;
    while (cls[pos + spaces] == kSpace) ++spaces;
    if (spaces > 1 && pos + spaces < n) {  // \s+(?!\S): leave the last space to the next word
      emit(pos += spaces - 1);
      continue;
    }
    if (spaces > 0) {
      emit(pos += spaces);
      continue;
    }
    emit(++pos);
  }
  return words;
}

}  // namespace hart::tokenizer
