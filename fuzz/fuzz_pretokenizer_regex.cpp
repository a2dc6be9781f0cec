// The pre-tokenizer regex engine: the first line of the input is a pattern, the rest
// the text it splits. hart::Error (an unsupported or malformed pattern, a pattern
// that backtracks too much) is the only expected failure; a split must cover the
// text with increasing piece ends.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tokenizer/regex.h"
#include "util/error.h"
#include "util/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string text = hart::utf8_sanitize(in.substr(nl + 1));
  try {
    hart::tokenizer::Regex re(in.substr(0, nl));
    hart::tokenizer::DecodedText t(text);
    std::vector<size_t> ends;
    re.split(t, 0, t.size(), ends);
    size_t last = 0;
    for (size_t e : ends) {
      if (e <= last || e > t.size()) std::abort();
      last = e;
    }
    if (t.size() > 0 && last != t.size()) std::abort();
  } catch (const hart::Error&) {
    return 0;
  }
  return 0;
}
