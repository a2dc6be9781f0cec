// Visible text of marked-up documents, for passages and search: Markdown through
// cmark's syntax tree, HTML through libxml2's forgiving HTML parser. Blocks
// (paragraphs, headings, list items, table rows) are separated by blank lines so the
// passage splitter sees their boundaries.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace hart {

struct MarkupLink {
  std::string href, text;
};

struct MarkupText {
  std::string text;                   // visible text, UTF-8
  std::string title;                  // <title>, or the first heading
  std::vector<std::string> headings;  // in document order
  std::vector<MarkupLink> links;      // at most kMaxLinks
  bool links_truncated = false;
};

inline constexpr size_t kMaxLinks = 10000;

// `utf8` is the decoded document. Neither throws on malformed markup (both formats
// accept any input); they throw Error only when the parser cannot run at all.
MarkupText markdown_text(std::string_view utf8);
MarkupText html_text(std::string_view utf8);

// Runs xmlInitParser() once per process (a function-local static): libxml2 is
// thread-safe only after that, and ingestion may run files in parallel threads.
// Every user of libxml2 calls this before parsing.
void init_libxml2();

}  // namespace hart
