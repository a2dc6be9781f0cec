// Shared by the text fuzzers: extracted text must be valid UTF-8 (tokenizers and
// SQLite receive it as such).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

#include "util/utf8.h"

namespace hart::fuzz {

inline void require_utf8(const std::string& s, const char* what) {
  if (utf8_sanitize(s) != s) {
    std::fprintf(stderr, "%s is not valid UTF-8 (%zu bytes)\n", what, s.size());
    std::abort();
  }
}

}  // namespace hart::fuzz
