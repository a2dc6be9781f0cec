// Text in any common encoding to UTF-8: the byte-order mark when there is one, else
// valid UTF-8 as it is, else the encoding uchardet detects. Bytes that are invalid in
// the chosen encoding become U+FFFD and are counted, never silently dropped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace hart {

struct DecodedText {
  std::string utf8;
  std::string encoding;     // the iconv name used: UTF-8, UTF-16LE, ISO-8859-1, ...
  std::string detected_by;  // bom, utf8-valid, uchardet, fallback
  uint64_t invalid_bytes = 0;
  uint64_t first_invalid_offset = 0;  // in the input; meaningful when invalid_bytes > 0
  bool same_as_input = false;         // utf8 equals the input bytes exactly
};

DecodedText decode_text(std::string_view bytes);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace hart
