#include "media/markup_text.h"

#include <cmark.h>

#include <memory>

#include "util/error.h"

namespace hart {
namespace {

bool is_block(cmark_node_type t) {
  return t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING || t == CMARK_NODE_CODE_BLOCK ||
         t == CMARK_NODE_ITEM || t == CMARK_NODE_BLOCK_QUOTE || t == CMARK_NODE_HTML_BLOCK ||
         t == CMARK_NODE_THEMATIC_BREAK;
}

void end_block(std::string& out) {
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  if (!out.empty()) out += "\n\n";
}

}  // namespace

MarkupText markdown_text(std::string_view utf8) {
  std::unique_ptr<cmark_node, void (*)(cmark_node*)> doc(
      cmark_parse_document(utf8.data(), utf8.size(), CMARK_OPT_DEFAULT), cmark_node_free);
  if (!doc) throw Error("cmark: cannot parse the document (out of memory?)");
  MarkupText m;
  std::unique_ptr<cmark_iter, void (*)(cmark_iter*)> it(cmark_iter_new(doc.get()), cmark_iter_free);
  std::string heading, link_text;
  bool in_heading = false, in_link = false;
  std::string href;
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    cmark_node_type t = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER) {
      const char* lit = nullptr;
      switch (t) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_CODE_BLOCK:
          lit = cmark_node_get_literal(n);
          break;
        case CMARK_NODE_SOFTBREAK: lit = " "; break;
        case CMARK_NODE_LINEBREAK: lit = "\n"; break;
        case CMARK_NODE_HEADING:
          in_heading = true;
          heading.clear();
          break;
        case CMARK_NODE_LINK: {
          in_link = true;
          link_text.clear();
          const char* url = cmark_node_get_url(n);
          href = url ? url : "";
          break;
        }
        default: break;
      }
      if (lit) {
        m.text += lit;
        if (in_heading) heading += lit;
        if (in_link) link_text += lit;
      }
    } else if (ev == CMARK_EVENT_EXIT) {
      if (t == CMARK_NODE_HEADING) {
        in_heading = false;
        if (m.title.empty()) m.title = heading;
        m.headings.push_back(heading);
      } else if (t == CMARK_NODE_LINK) {
        in_link = false;
        if (m.links.size() < kMaxLinks) m.links.push_back({href, link_text});
        else m.links_truncated = true;
      }
      if (is_block(t)) end_block(m.text);
    }
  }
  end_block(m.text);
  while (!m.text.empty() && m.text.back() == '\n') m.text.pop_back();
  return m;
}

}  // namespace hart
