// One office XML part through every reader of office_xml.h. A malformed part is a
// FormatError from parse_office_xml; after that nothing may throw, and all text
// must be valid UTF-8.
#include <libxml/tree.h>

#include <string>

#include "media/office_xml.h"
#include "text_checks.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hart::fuzz::require_utf8;
  hart::XmlDocPtr doc(nullptr, xmlFreeDoc);
  try {
    doc = hart::parse_office_xml(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz-input");
  } catch (const hart::FormatError&) {
    return 0;
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  for (hart::OfficeFlavor f : {hart::OfficeFlavor::kOoxml, hart::OfficeFlavor::kOdf})
    require_utf8(hart::paragraph_text(root, f).text, "paragraphs");
  std::vector<std::string> shared = hart::xlsx_shared_strings(root);
  for (const std::string& s : shared) require_utf8(s, "shared string");
  bool truncated = false, ods_truncated = false;  // apart: a full xlsx sheet would stop the ODF walk
  require_utf8(hart::xlsx_sheet_text(root, shared, 256, truncated), "sheet");
  for (const hart::XlsxSheetRef& s : hart::xlsx_sheets(root, root)) require_utf8(s.name + s.part, "sheet ref");
  hart::xlsx_sheets(root, nullptr);
  for (const hart::OfficePart& p : hart::odf_slides(root)) require_utf8(p.label + p.text, "slide");
  for (const hart::OfficePart& p : hart::odf_sheets(root, 256, ods_truncated)) require_utf8(p.label + p.text, "ods sheet");
  hart::OfficeProperties props = hart::office_properties(root);
  require_utf8(props.title + props.creator + props.subject, "properties");
  return 0;
}
