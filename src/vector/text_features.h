// The pure half of the built-in text embedder (engine/text_embedder.h): hashed n-gram
// features of a text and their TF-IDF weighting into a dense vector. No SQLite: the
// document frequencies come in as an array.
//
// Features ("feature hashing", Weinberger et al. 2009), from the text's words, a word
// being a run of letters, digits and other non-punctuation code points, lower-cased
// (ASCII, Latin-1, Greek and Cyrillic; other scripts as they are):
//   w:<word>            word unigrams
//   c:<gram>            character 5-grams of "<word>" (code points, with '<' and '>'
//                       marking the word's start and end; none for words under 3)
// Word bigrams and character 3- and 4-grams were measured and left out: at 384
// dimensions every extra feature is another collision, and each of them lowered
// recall@5 on the tuning set (bench/README.md, "Text retrieval quality").
// Each feature string is hashed with 64-bit FNV-1a over its UTF-8 bytes (fixed
// constants: the same on every run and platform). The low kFeatureBits bits are the
// feature id (the key of the document-frequency table); the bits above pick the
// dimension ((hash >> 32) mod dim) and the top bit the sign, so colliding features
// tend to cancel rather than add up.
//
// Weight of a feature: (1 + ln tf) * idf, idf = ln((1 + N) / (1 + df)) + 1 (smoothed,
// as scikit-learn's TfidfVectorizer); with no statistics (N = 0) every idf is 1. The
// word features and the character features are each projected and scaled to unit
// length, then summed and scaled to unit length again, so the character grams (several
// per word) do not drown the words. A text without words gives the zero
// vector.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hart::vector {

inline constexpr int kFeatureBits = 20;  // 1,048,576 feature ids
inline constexpr size_t kCharGram = 5;    // code points per character gram
inline constexpr uint32_t kFeatureIds = 1u << kFeatureBits;

uint64_t fnv1a64(std::string_view bytes);

struct HashedFeature {
  uint64_t hash;
  uint32_t count;  // occurrences in the text
  uint32_t id() const { return static_cast<uint32_t>(hash & (kFeatureIds - 1)); }
};

struct TextFeatures {
  std::vector<HashedFeature> words;  // unigrams, distinct, sorted by hash
  std::vector<HashedFeature> chars;  // character n-grams, distinct, sorted by hash
};

// Invalid UTF-8 is read as U+FFFD (util/utf8.h's policy), never an error.
TextFeatures text_features(std::string_view text);

// The lower-cased words of `text`, as text_features sees them.
std::vector<std::string> text_words(std::string_view text);

// Document frequencies: df[id] documents out of `documents` contain feature id; an
// empty df means no statistics (every idf 1).
struct FeatureWeights {
  uint64_t documents = 0;
  std::span<const uint32_t> df;  // kFeatureIds entries, or empty
  float idf(uint32_t id) const;
};

// Writes the unit-length embedding (or zeros) of `features` into out (its size is the dimension).
void embed_features(const TextFeatures& features, const FeatureWeights& weights, std::span<float> out);

}  // namespace hart::vector
