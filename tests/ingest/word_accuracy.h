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

inline std::vector<std::string> normalized_words(const std::string& text) {
  std::string clean;
  for (unsigned char c : text) clean += std::isalnum(c) || c == '\'' ? static_cast<char>(std::tolower(c)) : ' ';
  std::istringstream in(clean);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Can be negative when the hypothesis adds many words; 1 is a perfect match.
inline double word_accuracy(const std::string& reference, const std::string& hypothesis) {
  std::vector<std::string> ref = normalized_words(reference), hyp = normalized_words(hypothesis);
  if (ref.empty()) return hyp.empty() ? 1.0 : 0.0;
  std::vector<size_t> row(hyp.size() + 1), next(hyp.size() + 1);
  for (size_t j = 0; j <= hyp.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= ref.size(); ++i) {
    next[0] = i;
    for (size_t j = 1; j <= hyp.size(); ++j)
      next[j] = std::min({row[j] + 1, next[j - 1] + 1, row[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
    std::swap(row, next);
  }
  return 1.0 - static_cast<double>(row[hyp.size()]) / static_cast<double>(ref.size());
}

}  // namespace hart::test
