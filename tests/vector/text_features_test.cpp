// The pure half of the built-in text embedder (vector/text_features.h): the hash is
// FNV-1a's published one and stays fixed (golden values), the same text always gives
// the same unit vector, words are cut and lower-cased as documented, and a text
// without words gives zeros.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "vector/text_features.h"

namespace hart::vector {
namespace {

double norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

std::vector<float> embed(std::string_view text, size_t dim = 384, const FeatureWeights& w = {}) {
  std::vector<float> out(dim, 7.0f);  // not zero: embed_features must overwrite
  embed_features(text_features(text), w, out);
  return out;
}

TEST(TextFeatures, HashIsFnv1a64) {
  // The published FNV-1a 64-bit test vectors (Fowler, Noll, Vo).
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(TextFeatures, WordsAreLowerCasedRunsBetweenPunctuation) {
  EXPECT_EQ(text_words("Hello, WORLD! Café-Crème 42x ΑΒΓ Жук"),
            (std::vector<std::string>{"hello", "world", "café", "crème", "42x", "αβγ", "жук"}));
  EXPECT_TRUE(text_words(" ,.;!? \n\t—“”").empty());
}

TEST(TextFeatures, CountsUnigramsAndCharacterFiveGrams) {
  TextFeatures f = text_features("abcd abcd x");
  // w:abcd (twice), w:x; "<abcd>" has the 5-grams <abcd and abcd> (each twice); "<x>" none.
  ASSERT_EQ(f.words.size(), 2u);
  ASSERT_EQ(f.chars.size(), 2u);
  for (const HashedFeature& h : f.words) EXPECT_EQ(h.count, h.hash == fnv1a64("w:abcd") ? 2u : 1u);
  for (const HashedFeature& h : f.chars) {
    EXPECT_TRUE(h.hash == fnv1a64("c:<abcd") || h.hash == fnv1a64("c:abcd>"));
    EXPECT_EQ(h.count, 2u);
  }
  EXPECT_LT(f.words[0].hash, f.words[1].hash);  // sorted
}

TEST(TextFeatures, EmbeddingIsDeterministicUnitLengthAndStable) {
  const std::vector<float> a = embed("The quick brown fox jumps over the lazy dog.");
  EXPECT_EQ(a, embed("The quick brown fox jumps over the lazy dog."));
  EXPECT_NEAR(norm(a), 1.0, 1e-6);
  // Golden: the feature hashing and weighting must not change between runs,
  // platforms or versions (stored vectors would no longer match queries).
  const std::vector<float> g = embed("Hello world", 16);
  const std::vector<float> golden = {0.0f, 0.0f, 0.0f, 0.202145502f, 0.0f, 0.0f,         0.0f, -0.404291004f,
                                     0.654156566f, 0.0f, 0.0f, 0.0f, 0.0f, 0.404291004f, 0.0f, -0.452011079f};
  ASSERT_EQ(g.size(), golden.size());
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], golden[i], 1e-6) << i;
}

TEST(TextFeatures, TextWithoutWordsIsZero) {
  for (std::string_view text : {"", "   ", "?!,.", "\xff\xfe"}) {
    std::vector<float> v = embed(text);
    EXPECT_EQ(norm(v), 0.0) << text;
  }
}

TEST(TextFeatures, CaseDoesNotMatterAndSharedWordsBringTextsCloser) {
  EXPECT_EQ(embed("Hello World"), embed("hello world"));
  const auto cat = embed("the cat sat on the mat");
  EXPECT_GT(dot(cat, embed("a cat sat on a mat")), dot(cat, embed("stock prices fell sharply today")));
}

TEST(TextFeatures, RareFeaturesWeighMore) {
  // With statistics where "common" is in every document and "rare" in one, a query
  // with both is closer to the text sharing the rare word.
  std::vector<uint32_t> df(kFeatureIds, 0);
  TextFeatures common = text_features("common");
  for (const auto& g : {common.words, common.chars})
    for (const HashedFeature& h : g) df[h.id()] = 100;
  TextFeatures rare = text_features("rare");
  for (const auto& g : {rare.words, rare.chars})
    for (const HashedFeature& h : g) df[h.id()] = 1;
  FeatureWeights w{100, df};
  EXPECT_GT(w.idf(rare.words[0].id()), w.idf(common.words[0].id()));
  const auto q = embed("common rare", 384, w);
  EXPECT_GT(dot(q, embed("rare", 384, w)), dot(q, embed("common", 384, w)));
}

}  // namespace
}  // namespace hart::vector
