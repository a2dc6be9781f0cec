#include "vector/text_features.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "util/utf8.h"

namespace hart::vector {
namespace {

// FNV-1a's published 64-bit offset basis and prime.
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

// Punctuation, symbols and spaces separate words; every other code point (letters,
// digits, marks, ideographs...) belongs to one. A table of the common separators,
// not Unicode's full categories: this must not change between versions of a library.
bool separates_words(uint32_t cp) {
  if (cp < 0x80) return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
         (cp >= 0x20A0 && cp <= 0x20CF) || (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) || cp == 0xFEFF || cp == kReplacement;
}

uint32_t lower(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 32;      // Latin-1
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;   // Greek
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;                  // Cyrillic
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

// Words as code point sequences.
std::vector<std::u32string> words_of(std::string_view text) {
  std::vector<std::u32string> out;
  std::u32string word;
  while (!text.empty()) {
    Utf8Step st = utf8_step_final(text);
    text.remove_prefix(st.len);
    if (separates_words(st.cp)) {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(lower(st.cp));
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::string utf8_of(std::u32string_view cps) {
  std::string out;
  for (uint32_t cp : cps) append_utf8(out, cp);
  return out;
}

class Counter {
 public:
  void add(std::string_view prefix, std::string_view body) {
    key_.assign(prefix);
    key_.append(body);
    ++counts_[fnv1a64(key_)];
  }
  std::vector<HashedFeature> take() {
    std::vector<HashedFeature> out;
    out.reserve(counts_.size());
    for (const auto& [hash, count] : counts_) out.push_back({hash, count});
    std::sort(out.begin(), out.end(), [](const HashedFeature& a, const HashedFeature& b) { return a.hash < b.hash; });
    return out;
  }

 private:
  std::string key_;
  std::unordered_map<uint64_t, uint32_t> counts_;
};

// Adds the features of one group to out[] with their weights, scaled to unit length.
void add_group(std::span<const HashedFeature> features, const FeatureWeights& weights, std::span<float> out,
               std::vector<double>& scratch) {
  scratch.assign(out.size(), 0.0);
  for (const HashedFeature& f : features) {
    const double w = (1.0 + std::log(static_cast<double>(f.count))) * weights.idf(f.id());
    const size_t slot = static_cast<size_t>((f.hash >> 32) % out.size());
    scratch[slot] += (f.hash >> 63) ? -w : w;
  }
  double norm = 0;
  for (double v : scratch) norm += v * v;
  if (norm == 0) return;
  const double scale = 1.0 / std::sqrt(norm);
  for (size_t i = 0; i < out.size(); ++i) out[i] += static_cast<float>(scratch[i] * scale);
}

}  // namespace

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = kFnvOffset;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::vector<std::string> text_words(std::string_view text) {
  std::vector<std::string> out;
  for (const std::u32string& w : words_of(text)) out.push_back(utf8_of(w));
  return out;
}

TextFeatures text_features(std::string_view text) {
  const std::vector<std::u32string> words = words_of(text);
  Counter word_features, char_features;
  for (const std::u32string& w : words) {
    word_features.add("w:", utf8_of(w));
    const std::u32string marked = U"<" + w + U">";
    for (size_t i = 0; i + kCharGram <= marked.size(); ++i)
      char_features.add("c:", utf8_of(marked.substr(i, kCharGram)));
  }
  return {word_features.take(), char_features.take()};
}

float FeatureWeights::idf(uint32_t id) const {
  if (documents == 0 || df.empty()) return 1.0f;
  const double d = id < df.size() ? df[id] : 0;
  return static_cast<float>(std::log((1.0 + static_cast<double>(documents)) / (1.0 + d)) + 1.0);
}

void embed_features(const TextFeatures& features, const FeatureWeights& weights, std::span<float> out) {
  std::fill(out.begin(), out.end(), 0.0f);
  if (out.empty()) return;
  std::vector<double> scratch;
  add_group(features.words, weights, out, scratch);
  add_group(features.chars, weights, out, scratch);
  double norm = 0;
  for (float v : out) norm += static_cast<double>(v) * v;
  if (norm == 0) return;
  const float scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& v : out) v *= scale;
}

}  // namespace hart::vector
