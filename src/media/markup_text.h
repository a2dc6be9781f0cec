// Visible text of marked-up documents, for passages and search: Markdown through
// cmark's syntax tree, HTML through libxml2's forgiving HTML parser. Blocks
// (paragraphs, headings, list items, table rows) are separated by blank lines so the
// passage splitter sees their boundaries.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hart {

struct MarkupLink {
  std::string href, text;
};

// Where the parser stopped before the end of the document. libxml2 halts at 256
// levels of nesting; its "huge" mode lifts that but makes each unmatched end tag
// cost a scan of all open elements (quadratic: 40 000 levels took 11 s), so the
// limit stays and the loss is reported instead.
struct MarkupCut {
  std::string reason;  // libxml2's message
  int line = 0, column = 0;
};

struct MarkupText {
  std::string text;                   // visible text, UTF-8
  std::string title;                  // <title>, or the first heading
  std::vector<std::string> headings;  // in document order
  std::vector<MarkupLink> links;      // at most kMaxLinks
  bool links_truncated = false;
  std::optional<MarkupCut> cut;       // set when the text after some point is missing
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
