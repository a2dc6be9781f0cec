#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "ingest/extract/content_kind.h"
#include "ingest/extract/context.h"
#include "ingest/extract/extractors.h"
#include "ingest/extract/input_file.h"
#include "media/office_xml.h"
#include "util/error.h"
#include "store/atom_names.h"

namespace hart {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

// Sizes in the zip are the writer's claims: the caps apply to bytes actually unpacked.
constexpr uint64_t kMaxXmlPart = 64ull << 20;
constexpr uint64_t kMaxXmlTotal = 256ull << 20;
constexpr uint64_t kMaxParts = 100000;

enum class Format { kDocx, kPptx, kXlsx, kOdt, kOdp, kOds, kOdf };

const char* format_name(Format f) {
  switch (f) {
    case Format::kDocx: return "docx";
    case Format::kPptx: return "pptx";
    case Format::kXlsx: return "xlsx";
    case Format::kOdt: return "odt";
    case Format::kOdp: return "odp";
    case Format::kOds: return "ods";
    case Format::kOdf: return "odf";
  }
  return "odf";
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

// N of "<prefix>N.xml", or -1.
long part_number(std::string_view path, std::string_view prefix) {
  if (!starts_with(path, prefix) || !ends_with(path, ".xml")) return -1;
  std::string_view digits = path.substr(prefix.size(), path.size() - prefix.size() - 4);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stol(std::string(digits));
}

// The XML parts any supported format reads; everything else is left in the zip.
bool is_wanted_xml(std::string_view p) {
  return p == "word/document.xml" || p == "docProps/core.xml" || p == "xl/workbook.xml" ||
         p == "xl/_rels/workbook.xml.rels" || p == "xl/sharedStrings.xml" || p == "content.xml" ||
         p == "meta.xml" || part_number(p, "ppt/slides/slide") >= 0 ||
         (starts_with(p, "xl/worksheets/") && ends_with(p, ".xml") && p.find('/', 14) == std::string_view::npos);
}

bool is_media(std::string_view p) {
  return starts_with(p, "word/media/") || starts_with(p, "ppt/media/") || starts_with(p, "xl/media/") ||
         starts_with(p, "Pictures/");
}

std::string archive_message(struct archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown libarchive error";
}

// What the single pass over the zip keeps: wanted XML parts and every member's name.
struct Package {
  std::map<std::string, std::string> xml;
  std::set<std::string> names;
};

class PackageReader {
 public:
  PackageReader(ExtractContext& ctx, int64_t atom_id, InputFile& file, AtomInfo& info, Nesting& nesting)
      : ctx_(ctx), atom_id_(atom_id), file_(file), info_(info), nesting_(nesting),
        limits_(ctx.options().limits) {}

  Package read() {
    // The zip's central directory, as office suites read it (not the local headers).
    ArchivePtr a(archive_read_new(), archive_read_free);
    if (!a) throw Error("libarchive: cannot allocate a reader (out of memory?)");
    archive_read_support_format_zip_seekable(a.get());
    if (::lseek(file_.fd(), 0, SEEK_SET) != 0) throw Error(file_.display() + ": cannot seek to the start");
    if (archive_read_open_fd(a.get(), file_.fd(), 1 << 16) != ARCHIVE_OK)
      throw FormatError(file_.display() + ": not a readable zip package: " + archive_message(a.get()));
    Package pkg;
    for (;;) {
      struct archive_entry* entry = nullptr;
      int rc = archive_read_next_header(a.get(), &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc < ARCHIVE_WARN) throw FormatError(file_.display() + ": damaged zip package: " + archive_message(a.get()));
      if (archive_entry_filetype(entry) != AE_IFREG || !archive_entry_pathname(entry)) continue;
      if (pkg.names.size() >= kMaxParts)
        throw FormatError(file_.display() + ": more than " + std::to_string(kMaxParts) + " parts in the package; refused");
      std::string name = archive_entry_pathname(entry);
      pkg.names.insert(name);
      if (is_wanted_xml(name)) pkg.xml[name] = read_xml(a.get(), file_.display() + "!" + name);
      else if (is_media(name)) add_media(a.get(), name);
    }
    return pkg;
  }

 private:
  void count_member(const std::string& where) {
    if (++nesting_.members > limits_.max_members)
      throw FormatError(where + ": more than " + std::to_string(limits_.max_members) +
                        " archive members; refusing a possible zip bomb");
  }

  std::string read_xml(struct archive* a, const std::string& where) {
    count_member(where);
    std::string out;
    char buf[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) throw FormatError(where + ": damaged zip member: " + archive_message(a));
      if (out.size() + static_cast<size_t>(n) > kMaxXmlPart)
        throw FormatError(where + ": XML part larger than 64 MiB; refused");
      if ((xml_total_ += static_cast<uint64_t>(n)) > kMaxXmlTotal)
        throw FormatError(where + ": the package's XML parts unpack to more than 256 MiB; refused");
      charge_expansion(nesting_, static_cast<uint64_t>(n), limits_, where);
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  // An embedded file: its own atom, of its own kind, exactly as if found on disk.
  void add_media(struct archive* a, const std::string& name) {
    std::string where = file_.display() + "!" + name;
    if (nesting_.depth() >= limits_.max_archive_depth) {
      info_.metadata["media_skipped"] = info_.metadata.value("media_skipped", 0) + 1;
      return;
    }
    count_member(where);
    InputFile member(spool_archive_member(a, nesting_, limits_, where), where);
    bool image = ctx_.sniff(member).kind == ContentKind::kImage;
    nesting_.ancestors.push_back(atom_id_);
    struct PopAncestor {
      Nesting& n;
      ~PopAncestor() { n.ancestors.pop_back(); }
    } pop{nesting_};
    StoredAtom child = ctx_.ingest_child(member, subtype::kMember);
    // A package that embeds itself (or an ancestor) must not become a cycle.
    if (std::find(nesting_.ancestors.begin(), nesting_.ancestors.end(), child.id) != nesting_.ancestors.end()) return;
    int64_t& ordinal = image ? images_ : other_media_;
    ctx_.relate(atom_id_, child.id, image ? relation::kImage : relation::kMedia, ordinal++, name);
  }

  ExtractContext& ctx_;
  int64_t atom_id_;
  InputFile& file_;
  AtomInfo& info_;
  Nesting& nesting_;
  const IngestLimits& limits_;
  uint64_t xml_total_ = 0;
  int64_t images_ = 0, other_media_ = 0;

 public:
  int64_t images() const { return images_; }
  int64_t other_media() const { return other_media_; }
};

Format format_of(std::string_view mime, const std::set<std::string>& names, const std::string& where) {
  if (mime.find("wordprocessingml") != std::string_view::npos) return Format::kDocx;
  if (mime.find("presentationml") != std::string_view::npos) return Format::kPptx;
  if (mime.find("spreadsheetml") != std::string_view::npos) return Format::kXlsx;
  if (starts_with(mime, "application/vnd.oasis.opendocument.text")) return Format::kOdt;
  if (starts_with(mime, "application/vnd.oasis.opendocument.presentation")) return Format::kOdp;
  if (starts_with(mime, "application/vnd.oasis.opendocument.spreadsheet")) return Format::kOds;
  if (starts_with(mime, "application/vnd.oasis.opendocument")) return Format::kOdf;
  // Other OOXML types: by the main part present.
  if (names.count("word/document.xml")) return Format::kDocx;
  if (names.count("ppt/presentation.xml")) return Format::kPptx;
  if (names.count("xl/workbook.xml")) return Format::kXlsx;
  throw FormatError(where + ": an office package of a kind not read (" + std::string(mime) + ")");
}

const char* main_part(Format f) {
  switch (f) {
    case Format::kDocx: return "word/document.xml";
    case Format::kPptx: return "ppt/presentation.xml";
    case Format::kXlsx: return "xl/workbook.xml";
    default: return "content.xml";
  }
}

// The document's text and its slides or sheets, plus parts that could not be read.
struct Extracted {
  OfficeText body;                  // docx/odt text
  std::vector<OfficePart> parts;    // slides or sheets, in order
  const char* relation = nullptr;   // relation::kSlide or kSheet (also the parts' subtype)
  std::vector<std::pair<std::string, std::string>> part_errors;  // part, error
  bool truncated = false;
};

// The bytes of a part that must be there.
const std::string& required(const Package& pkg, const std::string& part, const std::string& where) {
  auto it = pkg.xml.find(part);
  if (it == pkg.xml.end()) throw FormatError(where + ": no " + part + " in the package; not a complete document");
  return it->second;
}

void read_pptx(const Package& pkg, const std::string& where, Extracted& out) {
  std::vector<std::pair<long, std::string>> slides;  // number, part: sorted by number, not name
  for (const auto& [name, bytes] : pkg.xml)
    if (long n = part_number(name, "ppt/slides/slide"); n >= 0) slides.emplace_back(n, name);
  std::sort(slides.begin(), slides.end());
  out.relation = relation::kSlide;
  for (const auto& [n, name] : slides) {
    try {
      XmlDocPtr doc = parse_office_xml(pkg.xml.at(name), where + "!" + name);
      OfficeText t = paragraph_text(xmlDocGetRootElement(doc.get()), OfficeFlavor::kOoxml);
      out.parts.push_back({"", std::move(t.text), t.paragraphs});
    } catch (const FormatError& e) {
      out.part_errors.emplace_back(name, e.what());
      out.parts.push_back({});  // keeps the later slides' ordinals
    }
  }
}

void read_xlsx(const Package& pkg, const std::string& where, size_t max_bytes, Extracted& out) {
  XmlDocPtr workbook = parse_office_xml(required(pkg, "xl/workbook.xml", where), where + "!xl/workbook.xml");
  XmlDocPtr rels(nullptr, xmlFreeDoc);
  if (auto r = pkg.xml.find("xl/_rels/workbook.xml.rels"); r != pkg.xml.end())
    rels = parse_office_xml(r->second, where + "!" + r->first);
  std::vector<std::string> shared;
  if (auto s = pkg.xml.find("xl/sharedStrings.xml"); s != pkg.xml.end()) {
    XmlDocPtr doc = parse_office_xml(s->second, where + "!" + s->first);
    shared = xlsx_shared_strings(xmlDocGetRootElement(doc.get()));
  }
  out.relation = relation::kSheet;
  for (const XlsxSheetRef& sheet : xlsx_sheets(xmlDocGetRootElement(workbook.get()),
                                               rels ? xmlDocGetRootElement(rels.get()) : nullptr)) {
    try {
      XmlDocPtr doc = parse_office_xml(required(pkg, sheet.part, where), where + "!" + sheet.part);
      std::string text = xlsx_sheet_text(xmlDocGetRootElement(doc.get()), shared, max_bytes, out.truncated);
      out.parts.push_back({sheet.name, std::move(text), 0});
    } catch (const FormatError& e) {
      out.part_errors.emplace_back(sheet.part, e.what());
      out.parts.push_back({sheet.name, {}, 0});
    }
  }
}

void read_odf(Format format, const Package& pkg, const std::string& where, size_t max_bytes, Extracted& out) {
  XmlDocPtr doc = parse_office_xml(required(pkg, "content.xml", where), where + "!content.xml");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (format == Format::kOdp) {
    out.relation = relation::kSlide;
    out.parts = odf_slides(root);
    for (OfficePart& p : out.parts) p.label.clear();  // draw:name is usually just "page1"
  } else if (format == Format::kOds) {
    out.relation = relation::kSheet;
    out.parts = odf_sheets(root, max_bytes, out.truncated);
  } else {
    out.body = paragraph_text(root, OfficeFlavor::kOdf);
  }
}

void add_properties(const Package& pkg, const std::string& part, AtomInfo& info) {
  auto it = pkg.xml.find(part);
  if (it == pkg.xml.end()) return;
  try {
    XmlDocPtr doc = parse_office_xml(it->second, part);
    OfficeProperties p = office_properties(xmlDocGetRootElement(doc.get()));
    if (!p.title.empty()) info.metadata["title"] = p.title;
    if (!p.creator.empty()) info.metadata["creator"] = p.creator;
    if (!p.subject.empty()) info.metadata["subject"] = p.subject;
  } catch (const FormatError&) {  // properties are a nicety; the text matters
    info.metadata["properties_unreadable"] = part;
  }
}

}  // namespace

bool is_office_package(std::string_view mime) {
  return starts_with(mime, "application/vnd.openxmlformats-officedocument.") ||
         starts_with(mime, "application/vnd.oasis.opendocument.");
}

void extract_office(ExtractContext& ctx, InputFile& file) {
  const int64_t atom_id = ctx.atom_id();
  const ContentType& type = ctx.type();
  AtomInfo& info = ctx.info();
  Nesting& nesting = ctx.nesting();
  if (nesting.depth() == 0) nesting.top_size = file.size();
  const std::string& where = file.display();
  PackageReader reader(ctx, atom_id, file, info, nesting);
  Package pkg = reader.read();
  Format format = format_of(type.mime, pkg.names, where);
  if (!pkg.names.count(main_part(format)))
    throw FormatError(where + ": no " + std::string(main_part(format)) + " in the package; not a complete " +
                      format_name(format) + " document");
  const size_t max_bytes = ctx.options().limits.max_text_bytes;
  Extracted x;
  switch (format) {
    case Format::kDocx: {
      XmlDocPtr doc = parse_office_xml(required(pkg, "word/document.xml", where), where + "!word/document.xml");
      x.body = paragraph_text(xmlDocGetRootElement(doc.get()), OfficeFlavor::kOoxml);
      break;
    }
    case Format::kPptx: read_pptx(pkg, where, x); break;
    case Format::kXlsx: read_xlsx(pkg, where, max_bytes, x); break;
    default: read_odf(format, pkg, where, max_bytes, x); break;
  }
  info.metadata["format"] = format_name(format);
  add_properties(pkg, format <= Format::kXlsx ? "docProps/core.xml" : "meta.xml", info);
  if (reader.images()) info.metadata["images"] = reader.images();
  if (reader.other_media()) info.metadata["other_media"] = reader.other_media();

  std::string text = std::move(x.body.text);
  size_t paragraphs = x.body.paragraphs;
  if (x.relation) {
    // Slides and sheets are atoms of their own, with their passages, like PDF pages.
    AtomInfo part_info;
    part_info.modality = modality::kText;
    part_info.subtype = x.relation;
    part_info.mime = "text/plain; charset=utf-8";
    for (size_t i = 0; i < x.parts.size(); ++i) {
      const OfficePart& p = x.parts[i];
      paragraphs += p.paragraphs;
      if (p.text.empty()) continue;
      if (!text.empty()) text += '\f';
      text += p.text;
      StoredAtom a = ctx.put_text(p.text, part_info);
      if (a.id == atom_id) continue;
      ctx.relate(atom_id, a.id, x.relation, static_cast<int64_t>(i),
                   p.label.empty() ? std::nullopt : std::optional<std::string>(p.label));
      if (a.is_new) add_passages(ctx, a.id, p.text, true);
    }
    info.metadata[std::string(x.relation) + "s"] = x.parts.size();
  }
  if (format != Format::kXlsx && format != Format::kOds) info.metadata["paragraphs"] = paragraphs;
  if (x.truncated) info.metadata["text_truncated_at_bytes"] = max_bytes;
  if (!x.part_errors.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& [part, error] : x.part_errors) {
      errors.push_back({{"part", part}, {"error", error}});
      ctx.report({where + "!" + part, error, true});
    }
    info.metadata["part_errors"] = std::move(errors);
    info.error = std::to_string(x.part_errors.size()) + " part(s) unreadable and skipped; first: " +
                 x.part_errors.front().second;
  }
  if (text.empty()) return;
  info.text = text;
  // Flowing text is split here; slides and sheets carry their own passages.
  if (!x.relation) info.metadata["passages"] = add_passages(ctx, atom_id, text, false);
}

}  // namespace hart
