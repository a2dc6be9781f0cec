// UTF-8 decoding with one policy used everywhere (tokenizers, text ingestion): a byte sequence
// that is not well-formed UTF-8 is replaced by U+FFFD, one per maximal ill-formed
// subpart (the Unicode "best practice" that Python, ICU and browsers follow). Encoders
// sanitize their input this way before tokenizing, and decoders their output, so no
// caller ever sees broken UTF-8.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hart {

inline constexpr uint32_t kReplacement = 0xFFFD;

struct Utf8Step {
  enum Kind : uint8_t { kOk, kInvalid, kIncomplete };
  Kind kind;
  uint32_t cp;  // the code point (kOk) or U+FFFD (kInvalid)
  size_t len;   // bytes consumed: the sequence, the ill-formed subpart, or all of `s`
};

// Decodes the sequence at the start of non-empty `s`. kIncomplete means `s` ends
// inside a sequence that could still become valid.
Utf8Step utf8_step(std::string_view s);

// Like utf8_step, but an incomplete sequence at the end counts as invalid.
inline Utf8Step utf8_step_final(std::string_view s) {
  Utf8Step st = utf8_step(s);
  if (st.kind == Utf8Step::kIncomplete) st = {Utf8Step::kInvalid, kReplacement, st.len};
  return st;
}

void append_utf8(std::string& out, uint32_t cp);

// `s` with every ill-formed subpart replaced by U+FFFD (returns `s` itself when valid).
std::string utf8_sanitize(std::string_view s);

}  // namespace hart
