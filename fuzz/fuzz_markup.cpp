// Markdown and HTML visible text over any (UTF-8) document: neither may throw, and
// all they return must be valid UTF-8 with the link list bounded.
#include <cstdlib>
#include <string>

#include "media/markup_text.h"
#include "text_checks.h"

namespace {

void check(const hart::MarkupText& m) {
  using hart::fuzz::require_utf8;
  require_utf8(m.text, "text");
  require_utf8(m.title, "title");
  for (const std::string& h : m.headings) require_utf8(h, "heading");
  for (const hart::MarkupLink& l : m.links) {
    require_utf8(l.href, "link href");
    require_utf8(l.text, "link text");
  }
  if (m.links.size() > hart::kMaxLinks) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Callers decode documents to UTF-8 first (text_decode), so the parsers see only that.
  std::string doc = hart::utf8_sanitize(std::string_view(reinterpret_cast<const char*>(data), size));
  check(hart::markdown_text(doc));
  check(hart::html_text(doc));
  return 0;
}
