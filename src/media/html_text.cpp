#include "media/markup_text.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "util/error.h"

namespace hart {
namespace {

std::string name_of(xmlNode* n) { return n->name ? reinterpret_cast<const char*>(n->name) : ""; }

bool is_hidden(const std::string& tag) {
  return tag == "script" || tag == "style" || tag == "noscript" || tag == "template" || tag == "head" ||
         tag == "svg" || tag == "iframe";
}

bool is_block(const std::string& tag) {
  static const char* const kBlocks[] = {"p", "div", "section", "article", "header", "footer", "main", "nav",
                                        "aside", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
                                        "h5", "h6", "pre", "blockquote", "table", "tr", "figure", "figcaption",
                                        "form", "hr", "address", "details", "summary"};
  for (const char* b : kBlocks)
    if (tag == b) return true;
  return false;
}

bool is_heading(const std::string& tag) { return tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6'; }

// Appends text, folding runs of white space into one space as a browser shows them.
void append_visible(std::string& out, const char* s) {
  for (; *s; ++s) {
    bool space = *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' || *s == '\f';
    if (space) {
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
    } else {
      out += *s;
    }
  }
}

void end_block(std::string& out) {
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  if (!out.empty()) out += "\n\n";
}

std::string text_content(xmlNode* n) {
  std::unique_ptr<xmlChar, void (*)(void*)> c(xmlNodeGetContent(n), xmlFree);
  std::string s;
  if (c) append_visible(s, reinterpret_cast<const char*>(c.get()));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

class Walker {
 public:
  explicit Walker(MarkupText& m) : m_(m) {}

  // Iterative (an explicit stack): hostile documents nest arbitrarily deep.
  void walk(xmlNode* root) {
    struct Frame {
      xmlNode* node;
      bool exiting;
    };
    std::vector<Frame> stack{{root, false}};
    while (!stack.empty()) {
      Frame f = stack.back();
      stack.pop_back();
      xmlNode* n = f.node;
      std::string tag = name_of(n);
      if (f.exiting) {
        if (is_block(tag)) end_block(m_.text);
        continue;
      }
      if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content) append_visible(m_.text, reinterpret_cast<const char*>(n->content));
        continue;
      }
      if (n->type != XML_ELEMENT_NODE && n->type != XML_DOCUMENT_NODE && n->type != XML_HTML_DOCUMENT_NODE) continue;
      if (tag == "head") {  // hidden, but its <title> names the document
        for (xmlNode* c = n->children; c; c = c->next)
          if (c->type == XML_ELEMENT_NODE && name_of(c) == "title" && m_.title.empty()) m_.title = text_content(c);
      }
      if (is_hidden(tag)) continue;
      if (tag == "br") {
        while (!m_.text.empty() && m_.text.back() == ' ') m_.text.pop_back();
        m_.text += '\n';
        continue;
      }
      if (is_heading(tag)) m_.headings.push_back(text_content(n));
      if (tag == "a") link(n);
      if (is_block(tag)) end_block(m_.text);
      stack.push_back({n, true});
      // Children pushed in reverse so they are visited in document order.
      std::vector<xmlNode*> kids;
      for (xmlNode* c = n->children; c; c = c->next) kids.push_back(c);
      for (auto k = kids.rbegin(); k != kids.rend(); ++k) stack.push_back({*k, false});
    }
  }

 private:
  void link(xmlNode* n) {
    std::unique_ptr<xmlChar, void (*)(void*)> href(xmlGetProp(n, reinterpret_cast<const xmlChar*>("href")), xmlFree);
    if (!href) return;
    if (m_.links.size() >= kMaxLinks) {
      m_.links_truncated = true;
      return;
    }
    m_.links.push_back({reinterpret_cast<const char*>(href.get()), text_content(n)});
  }

  MarkupText& m_;
};

}  // namespace

void init_libxml2() {
  static const bool once = [] {
    xmlInitParser();
    return true;
  }();
  (void)once;
}

MarkupText html_text(std::string_view utf8) {
  init_libxml2();
  if (utf8.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error("HTML document larger than 2 GiB; libxml2 cannot parse it");
  std::unique_ptr<htmlParserCtxt, void (*)(htmlParserCtxtPtr)> ctxt(htmlNewParserCtxt(), htmlFreeParserCtxt);
  if (!ctxt) throw Error("out of memory creating libxml2's HTML parser");
  std::unique_ptr<xmlDoc, void (*)(xmlDoc*)> doc(
      htmlCtxtReadMemory(ctxt.get(), utf8.data(), static_cast<int>(utf8.size()), nullptr, "UTF-8",
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET),
      xmlFreeDoc);
  MarkupText m;
  // Recover mode shrugs off broken markup; the one error that halts the parser
  // (and so loses the rest of the document) is nesting past xmlParserMaxDepth.
  if (const xmlError* e = xmlCtxtGetLastError(ctxt.get());
      e && e->code == XML_ERR_INTERNAL_ERROR && e->message && std::strstr(e->message, "depth")) {
    std::string reason = e->message;
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    m.cut = MarkupCut{std::move(reason), e->line, e->int2};
  }
  if (!doc) return m;  // nothing parseable: no visible text
  Walker(m).walk(reinterpret_cast<xmlNode*>(doc.get()));
  if (m.title.empty() && !m.headings.empty()) m.title = m.headings.front();
  while (!m.text.empty() && (m.text.back() == '\n' || m.text.back() == ' ')) m.text.pop_back();
  return m;
}

}  // namespace hart
