// Word-level accuracy of recognised text (speech or OCR) against what was said or
// written: 1 - WER, where WER is the word edit distance (substitutions, insertions,
// deletions) over the reference's word count. Case and punctuation are ignored.
#pragma once
#include <algorithm>
#include <cctype>
#include <sstream>
#include <string>
#include <vector>

namespace hart::test {

// White-space separated words, lower-cased, keeping letters and digits only.
inline std::vector<std::string> normalized_words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    std::string k;
    for (char c : w)
      if (std::isalnum(static_cast<unsigned char>(c))) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!k.empty()) out.push_back(k);
  }
  return out;
}

// Can be negative when the hypothesis adds many words; 1 is a perfect match.
inline double word_accuracy(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  if (ref.empty()) return hyp.empty() ? 1.0 : 0.0;
  std::vector<size_t> prev(hyp.size() + 1), cur(hyp.size() + 1);
  for (size_t j = 0; j <= hyp.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= ref.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= hyp.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return 1.0 - static_cast<double>(prev[hyp.size()]) / static_cast<double>(ref.size());
}

inline double word_accuracy(const std::string& reference, const std::string& hypothesis) {
  return word_accuracy(normalized_words(reference), normalized_words(hypothesis));
}

}  // namespace hart::test
