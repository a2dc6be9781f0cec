// The XML parts of office packages (OOXML and ODF) read as text: paragraphs, slides,
// spreadsheet rows, document properties. Used by extract_office.cpp, which reads the
// parts out of the zip; everything here works on parsed trees and never throws on
// unexpected structure (missing elements just give less text).
#pragma once
#include <libxml/tree.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hart {

using XmlDocPtr = std::unique_ptr<xmlDoc, void (*)(xmlDoc*)>;

// Parses one part without network access, entity substitution or libxml2's "huge"
// mode (so trees are at most 256 levels deep). Throws FormatError naming `where` when
// the XML is malformed or declares a DTD (office parts never do; a DTD is how entity
// bombs arrive).
XmlDocPtr parse_office_xml(std::string_view xml, const std::string& where);

enum class OfficeFlavor { kOoxml, kOdf };

struct OfficeText {
  std::string text;       // one paragraph per line
  size_t paragraphs = 0;  // non-empty ones
};

// Paragraphs below `node` in document order: OOXML w:p/a:p with w:t/a:t text, tabs
// and breaks; ODF text:p/text:h with mixed text, text:s, text:tab, text:line-break.
OfficeText paragraph_text(xmlNode* node, OfficeFlavor flavor);

// A slide or sheet: its label (sheet name) and text.
struct OfficePart {
  std::string label, text;
  size_t paragraphs = 0;
};

// xlsx: the shared string table (xl/sharedStrings.xml), in index order.
std::vector<std::string> xlsx_shared_strings(xmlNode* root);
// xlsx: one worksheet as tab-separated rows, shared strings resolved; stops (and sets
// `truncated`) once the text passes `max_bytes`.
std::string xlsx_sheet_text(xmlNode* root, const std::vector<std::string>& shared, size_t max_bytes,
                            bool& truncated);

struct XlsxSheetRef {
  std::string name, part;  // "Budget", "xl/worksheets/sheet1.xml"
};
// xlsx: the sheets in workbook order with their part paths, resolved through
// xl/_rels/workbook.xml.rels (`rels` may be null: sheetN.xml by sheetId then).
std::vector<XlsxSheetRef> xlsx_sheets(xmlNode* workbook, xmlNode* rels);

// ODF content.xml: each draw:page (odp) as a slide, each table:table (ods) as a sheet.
std::vector<OfficePart> odf_slides(xmlNode* root);
std::vector<OfficePart> odf_sheets(xmlNode* root, size_t max_bytes, bool& truncated);

struct OfficeProperties {
  std::string title, creator, subject;
};
// docProps/core.xml or ODF meta.xml: Dublin Core title, creator, subject.
OfficeProperties office_properties(xmlNode* root);

}  // namespace hart
