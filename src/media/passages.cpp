#include "media/passages.h"

#include <string>

#include "util/error.h"

namespace hart {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

struct Span {
  size_t begin, end;  // byte offsets into the text; end includes trailing white space
};

// Where a span's text ends without its trailing white space (sizes are measured so).
size_t text_end(std::string_view text, const Span& s) {
  size_t e = s.end;
  while (e > s.begin && is_space(text[e - 1])) --e;
  return e;
}

// Sentence spans covering the text (white space between them included in the earlier one).
std::vector<Span> sentences(std::string_view text) {
  std::vector<Span> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool end = false;
    if ((c == '.' || c == '!' || c == '?') && i + 1 < text.size() && is_space(text[i + 1])) end = true;
    if (c == '\n' && i + 1 < text.size() && text[i + 1] == '\n') end = true;  // paragraph break
    if (!end) continue;
    size_t j = i + 1;
    while (j < text.size() && is_space(text[j])) ++j;
    out.push_back({start, j});
    start = j;
    i = j - 1;
  }
  if (start < text.size()) out.push_back({start, text.size()});
  return out;
}

// Moves `cut` back to a UTF-8 character boundary (never before `floor`).
size_t char_boundary(std::string_view text, size_t cut, size_t floor) {
  while (cut > floor && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

// Cuts spans longer than `max` at the last white space before the limit.
std::vector<Span> bounded(std::string_view text, const std::vector<Span>& in, size_t max) {
  std::vector<Span> out;
  for (Span s : in) {
    while (s.end - s.begin > max) {
      size_t cut = s.begin + max;
      size_t ws = cut;
      while (ws > s.begin && !is_space(text[ws - 1])) --ws;
      cut = ws > s.begin ? ws : char_boundary(text, cut, s.begin + 1);
      if (cut <= s.begin) cut = s.begin + max;  // no boundary found: a byte cut
      out.push_back({s.begin, cut});
      s.begin = cut;
    }
    if (s.end > s.begin) out.push_back(s);
  }
  return out;
}

}  // namespace

std::vector<std::string_view> split_passages(std::string_view text, const PassageOptions& o) {
  if (o.max_bytes == 0) throw UsageError("passage size must be at least 1 byte");
  if (o.overlap_bytes >= o.max_bytes)
    throw UsageError("passage overlap (" + std::to_string(o.overlap_bytes) + " bytes) must be smaller than the passage size (" +
                     std::to_string(o.max_bytes) + " bytes)");
  std::vector<Span> units = bounded(text, sentences(text), o.max_bytes);
  std::vector<std::string_view> out;
  size_t first = 0;  // first unit of the passage being built
  while (first < units.size()) {
    size_t last = first;  // one past the last unit taken
    while (last < units.size() && text_end(text, units[last]) - units[first].begin <= o.max_bytes) ++last;
    if (last == first) last = first + 1;  // cannot happen after bounded(); keeps progress certain
    std::string_view p = trim(text.substr(units[first].begin, units[last - 1].end - units[first].begin));
    if (!p.empty()) out.push_back(p);
    if (last == units.size()) break;
    // Overlap: start the next passage at the latest units that fit in overlap_bytes,
    // but always after `first` so every passage moves forward.
    size_t next = last;
    while (next > first + 1 && text_end(text, units[last - 1]) - units[next - 1].begin <= o.overlap_bytes) --next;
    first = next;
  }
  return out;
}

}  // namespace hart
