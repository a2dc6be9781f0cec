// Splits a document's text into passages for retrieval: whole sentences packed up to
// a size, consecutive passages sharing a few sentences of overlap.
#pragma once
#include <cstddef>
#include <string_view>
#include <vector>

namespace hart {

struct PassageOptions {
  size_t max_bytes = 1000;     // a passage is at most this long (UTF-8 bytes)...
  size_t overlap_bytes = 200;  // ...and repeats up to this much of the previous one's end
};

// Passages as views into `text`, in order. A sentence ends at ., ! or ? followed by
// white space, or at a blank line; a sentence longer than max_bytes is cut at white
// space (or, failing that, at a UTF-8 character boundary). Passages are trimmed of
// surrounding white space; a text of white space only has none. Throws UsageError
// when overlap_bytes >= max_bytes or max_bytes is 0.
std::vector<std::string_view> split_passages(std::string_view text, const PassageOptions& options);

}  // namespace hart
