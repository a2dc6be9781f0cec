#include "media/office_xml.h"

#include <libxml/parser.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>

#include "media/markup_text.h"
#include "util/error.h"

// Trees are walked recursively: without XML_PARSE_HUGE libxml2 refuses documents
// nested deeper than 256 levels, so the recursion is bounded.
namespace hart {
namespace {

constexpr size_t kMaxColumns = 16384;     // Excel's limit (XFD); bounds the tabs of one row
constexpr size_t kMaxRepeat = 1000;       // ODF repeated rows/cells with content, written out
constexpr size_t kMaxSpaces = 1000;       // text:s c="..."

std::string_view local(const xmlNode* n) { return n->name ? reinterpret_cast<const char*>(n->name) : ""; }

bool is_element(const xmlNode* n, std::string_view name) {
  return n->type == XML_ELEMENT_NODE && local(n) == name;
}

// An attribute by local name, whatever its namespace prefix.
std::string attr(xmlNode* n, const char* name) {
  std::unique_ptr<xmlChar, void (*)(void*)> v(xmlGetProp(n, reinterpret_cast<const xmlChar*>(name)), xmlFree);
  return v ? reinterpret_cast<const char*>(v.get()) : "";
}

size_t attr_count(xmlNode* n, const char* name, size_t fallback, size_t max) {
  std::string v = attr(n, name);
  if (v.empty()) return fallback;
  unsigned long long c = std::strtoull(v.c_str(), nullptr, 10);
  return static_cast<size_t>(std::min<unsigned long long>(c, max));
}

std::string content(xmlNode* n) {
  std::unique_ptr<xmlChar, void (*)(void*)> c(xmlNodeGetContent(n), xmlFree);
  return c ? reinterpret_cast<const char*>(c.get()) : "";
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Elements whose content is not visible text: paragraph and run properties (their
// w:tab are tab stops), the fallback copy of alternate content, ODF change tracking
// (deleted text) and presenter notes.
bool is_hidden(std::string_view name) {
  return name == "pPr" || name == "rPr" || name == "Fallback" || name == "tracked-changes" || name == "notes";
}

class ParagraphWalker {
 public:
  explicit ParagraphWalker(OfficeFlavor flavor) : odf_(flavor == OfficeFlavor::kOdf) {}

  void walk(xmlNode* parent) {
    for (xmlNode* c = parent->children; c; c = c->next) visit(c);
  }
  OfficeText finish() {
    end_line();
    return std::move(out_);
  }

 private:
  void visit(xmlNode* n) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (odf_ && depth_ > 0 && n->content) append_odf(reinterpret_cast<const char*>(n->content));
      return;
    }
    if (n->type != XML_ELEMENT_NODE) return;
    std::string_view name = local(n);
    if (is_hidden(name)) return;
    if (name == "p" || (odf_ && name == "h")) {
      end_line();
      ++depth_;
      walk(n);
      --depth_;
      end_line();
    } else if (!odf_ && name == "t") {
      line_ += content(n);
    } else if (name == "tab") {
      line_ += '\t';
    } else if (name == "br" || name == "cr" || name == "line-break") {
      line_ += '\n';
    } else if (odf_ && name == "s") {
      line_.append(attr_count(n, "c", 1, kMaxSpaces), ' ');
    } else {
      walk(n);
    }
  }

  // ODF white space collapses as in XML text; text:s carries deliberate spaces.
  void append_odf(const char* s) {
    for (; *s; ++s) {
      if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
        if (!line_.empty() && line_.back() != ' ') line_ += ' ';
      } else {
        line_ += *s;
      }
    }
  }

  void end_line() {
    while (!line_.empty() && (line_.back() == ' ' || line_.back() == '\n')) line_.pop_back();
    if (line_.find_first_not_of(" \t\n") != std::string::npos) {
      if (!out_.text.empty()) out_.text += '\n';
      out_.text += line_;
      ++out_.paragraphs;
    }
    line_.clear();
  }

  bool odf_;
  int depth_ = 0;  // inside a paragraph (ODF text nodes count only there)
  std::string line_;
  OfficeText out_;
};

// Builds tab-separated rows: cells placed by column, empty cells only as separators.
class RowWriter {
 public:
  RowWriter(std::string& out, size_t max_bytes, bool& truncated)
      : out_(out), max_bytes_(max_bytes), truncated_(truncated) {}
  bool full() const { return truncated_; }
  void cell(size_t column, const std::string& value) {
    if (value.empty() || column >= kMaxColumns || (started_ && column < next_)) return;
    row_.append(started_ ? column - next_ + 1 : column, '\t');
    row_ += value;
    started_ = true;
    next_ = column + 1;
  }
  void end_row(size_t times = 1) {
    for (size_t i = 0; i < times && started_ && !truncated_; ++i) {
      if (out_.size() + row_.size() + 1 > max_bytes_) {
        truncated_ = true;
        break;
      }
      if (!out_.empty()) out_ += '\n';
      out_ += row_;
    }
    row_.clear();
    started_ = false;
    next_ = 0;
  }

 private:
  std::string& out_;
  size_t max_bytes_;
  bool& truncated_;
  std::string row_;
  bool started_ = false;
  size_t next_ = 0;
};

// "BC12" -> 54 (zero-based column); nullopt-like SIZE_MAX when there are no letters.
size_t column_of(const std::string& ref) {
  size_t col = 0, i = 0;
  for (; i < ref.size() && ref[i] >= 'A' && ref[i] <= 'Z' && col <= kMaxColumns; ++i) col = col * 26 + (ref[i] - 'A' + 1);
  return i == 0 ? SIZE_MAX : col - 1;
}

// The text of an xlsx rich or inline string: its t elements, phonetic runs left out.
std::string string_item(xmlNode* n) {
  std::string s;
  for (xmlNode* c = n->children; c; c = c->next) {
    if (is_element(c, "t")) s += content(c);
    else if (is_element(c, "r")) s += string_item(c);
  }
  return s;
}

void collect(xmlNode* n, std::string_view name, std::string_view stop_at, std::vector<xmlNode*>& found) {
  for (xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (local(c) == name) found.push_back(c);
    else if (local(c) != stop_at) collect(c, name, stop_at, found);
  }
}

std::vector<xmlNode*> descendants(xmlNode* n, std::string_view name, std::string_view stop_at = {}) {
  std::vector<xmlNode*> found;
  if (n) collect(n, name, stop_at, found);
  return found;
}

std::string ods_cell_text(xmlNode* cell) {
  OfficeText t = paragraph_text(cell, OfficeFlavor::kOdf);
  std::replace(t.text.begin(), t.text.end(), '\n', ' ');  // rows and cells own \n and \t
  std::replace(t.text.begin(), t.text.end(), '\t', ' ');
  return t.text;
}

}  // namespace

XmlDocPtr parse_office_xml(std::string_view xml, const std::string& where) {
  init_libxml2();
  if (xml.size() > static_cast<size_t>(INT_MAX)) throw FormatError(where + ": XML part too large for libxml2");
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> ctxt(xmlNewParserCtxt(), xmlFreeParserCtxt);
  if (!ctxt) throw Error("libxml2: cannot allocate a parser (out of memory?)");
  xmlDoc* parsed = xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                                     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!parsed) {
    const xmlError& e = ctxt->lastError;
    std::string why = e.message ? trim(e.message) : "unknown error";
    throw FormatError(where + ": malformed XML (line " + std::to_string(e.line) + "): " + why);
  }
  XmlDocPtr doc(parsed, xmlFreeDoc);
  if (doc->intSubset || doc->extSubset) throw FormatError(where + ": declares a DTD, which office parts never do; refused");
  if (!xmlDocGetRootElement(doc.get())) throw FormatError(where + ": XML without a root element");
  return doc;
}

OfficeText paragraph_text(xmlNode* node, OfficeFlavor flavor) {
  ParagraphWalker w(flavor);
  if (node) w.walk(node);
  return w.finish();
}

std::vector<std::string> xlsx_shared_strings(xmlNode* root) {
  std::vector<std::string> strings;
  for (xmlNode* si = root ? root->children : nullptr; si; si = si->next)
    if (is_element(si, "si")) strings.push_back(string_item(si));
  return strings;
}

std::string xlsx_sheet_text(xmlNode* root, const std::vector<std::string>& shared, size_t max_bytes,
                            bool& truncated) {
  std::string out;
  RowWriter rows(out, max_bytes, truncated);
  for (xmlNode* row : descendants(root, "row")) {
    size_t next = 0;
    for (xmlNode* c = row->children; c && !rows.full(); c = c->next) {
      if (!is_element(c, "c")) continue;
      size_t column = column_of(attr(c, "r"));
      if (column == SIZE_MAX) column = next;
      next = column + 1;
      std::string type = attr(c, "t"), value;
      for (xmlNode* v = c->children; v; v = v->next) {
        if (is_element(v, "is")) value = string_item(v);
        else if (is_element(v, "v")) value = content(v);
      }
      if (type == "s") {
        char* end = nullptr;
        unsigned long long i = std::strtoull(value.c_str(), &end, 10);
        value = end != value.c_str() && i < shared.size() ? shared[i] : std::string();
      } else if (type == "b") {
        value = value == "1" ? "TRUE" : value == "0" ? "FALSE" : value;
      }
      std::replace(value.begin(), value.end(), '\t', ' ');  // tabs and newlines separate cells and rows
      std::replace(value.begin(), value.end(), '\n', ' ');
      rows.cell(column, value);
    }
    rows.end_row();
    if (rows.full()) break;
  }
  return out;
}

std::vector<XlsxSheetRef> xlsx_sheets(xmlNode* workbook, xmlNode* rels) {
  std::map<std::string, std::string> targets;  // relationship id -> part path
  for (xmlNode* r : descendants(rels, "Relationship")) {
    std::string target = attr(r, "Target");
    if (target.empty()) continue;
    targets[attr(r, "Id")] = target[0] == '/' ? target.substr(1) : "xl/" + target;
  }
  std::vector<XlsxSheetRef> sheets;
  for (xmlNode* s : descendants(workbook, "sheet")) {
    auto t = targets.find(attr(s, "id"));  // r:id
    std::string part = t != targets.end() ? t->second : "xl/worksheets/sheet" + attr(s, "sheetId") + ".xml";
    sheets.push_back({attr(s, "name"), part});
  }
  return sheets;
}

std::vector<OfficePart> odf_slides(xmlNode* root) {
  std::vector<OfficePart> slides;
  for (xmlNode* page : descendants(root, "page")) {
    OfficeText t = paragraph_text(page, OfficeFlavor::kOdf);
    slides.push_back({attr(page, "name"), std::move(t.text), t.paragraphs});
  }
  return slides;
}

std::vector<OfficePart> odf_sheets(xmlNode* root, size_t max_bytes, bool& truncated) {
  std::vector<OfficePart> sheets;
  for (xmlNode* table : descendants(root, "table")) {
    OfficePart sheet{attr(table, "name"), {}, 0};
    RowWriter rows(sheet.text, max_bytes, truncated);
    // Rows may sit in row groups and header rows; a table inside a cell is not a row source.
    for (xmlNode* row : descendants(table, "table-row", "table-cell")) {
      size_t column = 0;
      for (xmlNode* c = row->children; c; c = c->next) {
        if (!is_element(c, "table-cell") && !is_element(c, "covered-table-cell")) continue;
        size_t repeat = attr_count(c, "number-columns-repeated", 1, kMaxColumns);
        std::string value = ods_cell_text(c);
        for (size_t i = 0; i < (value.empty() ? 0 : std::min(repeat, kMaxRepeat)); ++i) rows.cell(column + i, value);
        column += repeat;
      }
      rows.end_row(attr_count(row, "number-rows-repeated", 1, kMaxRepeat));
      if (rows.full()) break;
    }
    sheets.push_back(std::move(sheet));
    if (truncated) break;
  }
  return sheets;
}

OfficeProperties office_properties(xmlNode* root) {
  OfficeProperties p;
  auto first = [&](std::string_view name) {
    std::vector<xmlNode*> found = descendants(root, name);
    return found.empty() ? std::string() : trim(content(found.front()));
  };
  p.title = first("title");
  p.creator = first("creator");
  if (p.creator.empty()) p.creator = first("initial-creator");  // ODF
  p.subject = first("subject");
  return p;
}

}  // namespace hart
