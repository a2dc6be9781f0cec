#include "tokenizer/unicode.h"

#include <algorithm>
#include <array>

namespace hart::tokenizer {

using namespace detail;

namespace {

// ASCII dominates prompts: answer it from a small table.
std::array<Category, 128> ascii_categories() {
  std::array<Category, 128> t{};
  for (uint32_t cp = 0; cp < 128; ++cp) {
    auto it = std::upper_bound(kCategoryRanges, kCategoryRanges + kCategoryRangeCount, cp,
                               [](uint32_t v, const CategoryRange& r) { return v < r.first; });
    t[cp] = (it - 1)->category;
  }
  return t;
}

}  // namespace

Category category(uint32_t cp) {
  static const std::array<Category, 128> ascii = ascii_categories();
  if (cp < 128) return ascii[cp];
  if (cp >= 0x110000) return Category::kUndefined;
  auto it = std::upper_bound(kCategoryRanges, kCategoryRanges + kCategoryRangeCount, cp,
                             [](uint32_t v, const CategoryRange& r) { return v < r.first; });
  return (it - 1)->category;
}

bool is_whitespace(uint32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

uint32_t to_lower(uint32_t cp) {
  if (cp < 128) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  auto end = kLowercase + kLowercaseCount;
  auto it = std::lower_bound(kLowercase, end, cp,
                             [](const CodepointPair& p, uint32_t v) { return p.from < v; });
  return (it != end && it->from == cp) ? it->to : cp;
}

void append_nfd(uint32_t cp, std::u32string& out) {
  // Hangul syllables decompose algorithmically (Unicode 3.12).
  constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
  constexpr uint32_t kTCount = 28, kNCount = 21 * 28, kSCount = 19 * 21 * 28;
  if (cp >= kSBase && cp < kSBase + kSCount) {
    uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (cp < 0xC0) {
    out.push_back(cp);
    return;
  }
  auto end = kDecompositions + kDecompositionCount;
  auto it = std::lower_bound(kDecompositions, end, cp,
                             [](const Decomposition& d, uint32_t v) { return d.cp < v; });
  if (it != end && it->cp == cp) out.append(it->to, it->n);
  else out.push_back(cp);
}

}  // namespace hart::tokenizer
