// PDF (`extract_pdf.cpp`): Poppler opens `/proc/self/fd/N` (the same descriptor, so
// spooled members work and the file is read as needed). An unreadable or encrypted PDF
// throws, so it becomes binary with the error. Each page with text becomes a
// `text`/`page` atom related `page` (ordinal = page index) with its own passages. The
// PDF atom keeps no text of its own (`atom_text` joins its pages with form feeds);
// `metadata` has `pages`, `pdf_version`, `title`/`author`/`subject`, and
// `pages_without_text`. A page without text is rendered (gray, at most 300 dpi and 4 MP)
// and OCRed (`pages_ocr`). All Poppler calls hold one mutex. Then `pdf_images.cpp` walks
// the pages' image XObjects with qpdf: DCT/JPX streams are ingested as their raw bytes
// (the embedded file itself), lossless ones decoded, checked against Width × Height and
// re-encoded as PNG, each spooled and ingested like an archive member and related
// `image`.
#include "ingest/extract/extractors.h"

#include <leptonica/allheaders.h>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "ingest/extract/content_kind.h"
#include "ingest/extract/context.h"
#include "media/image_ocr.h"
#include "ingest/extract/input_file.h"
#include "ingest/extract/pdf/pdf_images.h"
#include "media/text_decode.h"
#include "util/error.h"
#include "store/atom_names.h"

namespace hart {
namespace {

// Poppler's global state is not documented as thread-safe, and files may be
// ingested on several threads: every Poppler call holds this lock.
std::mutex& poppler_mutex() {
  static std::mutex m;
  return m;
}

struct DocumentDeleter {
  void operator()(poppler::document* d) const {
    std::lock_guard<std::mutex> lock(poppler_mutex());
    delete d;
  }
};

struct PixDeleter {
  void operator()(Pix* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

// Scanned pages are rendered at up to this resolution, and to at most OCR's pixel
// bound (an A4 or Letter page: about 200 dpi), so OCR reads them unscaled.
constexpr double kScanMaxDpi = 300;

std::string utf8(const poppler::ustring& s) {
  poppler::byte_array b = s.to_utf8();
  return std::string(b.begin(), b.end());
}

// Poppler prints parser complaints to stderr; the atom's error says what matters.
void silence_poppler() {
  static const bool once = [] {
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
    return true;
  }();
  (void)once;
}

// The page as 8-bit gray for OCR; null when it cannot be rendered. Caller holds the lock.
PixPtr render_gray(poppler::page& page) {
  poppler::rectf box = page.page_rect();
  double w = box.width(), h = box.height();  // points
  if (!(w > 0 && h > 0) || w * h > 1e12) return nullptr;
  double dpi = std::min(kScanMaxDpi, 72.0 * std::sqrt(kOcrMaxPixels / (w * h)));
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  poppler::image img = renderer.render_page(&page, dpi, dpi);
  if (!img.is_valid() || img.format() != poppler::image::format_gray8 || img.width() <= 0 || img.height() <= 0 ||
      img.bytes_per_row() < img.width())
    return nullptr;
  PixPtr pix(pixCreate(img.width(), img.height(), 8));
  if (!pix) return nullptr;
  for (int y = 0; y < img.height(); ++y) {
    const auto* row = reinterpret_cast<const unsigned char*>(img.const_data()) + static_cast<size_t>(y) * img.bytes_per_row();
    l_uint32* line = pixGetData(pix.get()) + static_cast<size_t>(y) * pixGetWpl(pix.get());
    for (int x = 0; x < img.width(); ++x) SET_DATA_BYTE(line, x, row[x]);
  }
  return pix;
}

struct PageContent {
  std::string text;  // the text layer, trailing white space removed
  PixPtr scan;       // rendered when the text layer is empty and OCR is wanted
};

PageContent read_page(poppler::document& doc, int index, bool render_if_empty) {
  std::lock_guard<std::mutex> lock(poppler_mutex());
  PageContent c;
  std::unique_ptr<poppler::page> page(doc.create_page(index));
  if (!page) return c;
  c.text = utf8(page->text());
  while (!c.text.empty() && (c.text.back() == '\n' || c.text.back() == ' ' || c.text.back() == '\f')) c.text.pop_back();
  if (c.text.empty() && render_if_empty) c.scan = render_gray(*page);
  return c;
}

}  // namespace

void extract_pdf(ExtractContext& ctx, InputFile& file) {
  const int64_t atom_id = ctx.atom_id();
  AtomInfo& info = ctx.info();
  Nesting& nesting = ctx.nesting();
  std::unique_ptr<poppler::document, DocumentDeleter> doc;
  int pages = 0;
  {
    std::lock_guard<std::mutex> lock(poppler_mutex());
    silence_poppler();
    // Through the open descriptor: works for spooled archive members too, and Poppler
    // reads the file as it needs rather than all at once.
    std::string path = "/proc/self/fd/" + std::to_string(file.fd());
    doc.reset(poppler::document::load_from_file(path));
    if (!doc) throw FormatError(file.display() + ": not a readable PDF (damaged, or not a PDF despite its header)");
    if (doc->is_locked()) throw FormatError(file.display() + ": encrypted PDF; its text cannot be read without the password");
    int major = 0, minor = 0;
    doc->get_pdf_version(&major, &minor);
    info.metadata["pdf_version"] = std::to_string(major) + "." + std::to_string(minor);
    const std::pair<const char*, const char*> kInfo[] = {{"Title", "title"}, {"Author", "author"}, {"Subject", "subject"}};
    for (const auto& [key, field] : kInfo) {
      std::string v = utf8(doc->info_key(key));
      if (!v.empty() && is_valid_utf8(v)) info.metadata[field] = v;
    }
    pages = doc->pages();
  }
  info.metadata["pages"] = pages;
  AtomInfo page_info;
  page_info.modality = modality::kText;
  page_info.subtype = subtype::kPage;
  page_info.mime = "text/plain; charset=utf-8";
  int empty = 0;
  nlohmann::json ocr_pages = nlohmann::json::array();
  bool ocr = ctx.options().image.ocr;
  for (int i = 0; i < pages; ++i) {
    PageContent page = read_page(*doc, i, ocr);
    std::string text = std::move(page.text);
    if (text.empty() && page.scan) {  // no text layer: a scan, read outside the lock
      text = recognise_text(page.scan.get()).text;
      if (!text.empty()) ocr_pages.push_back(i + 1);
    }
    if (text.empty()) {
      ++empty;
      continue;
    }
    StoredAtom p = ctx.put_text(text, page_info);
    if (p.id == atom_id) continue;
    ctx.relate(atom_id, p.id, relation::kPage, i);
    if (p.is_new) add_passages(ctx, p.id, text, true);
  }
  if (empty) info.metadata["pages_without_text"] = empty;
  if (!ocr_pages.empty()) info.metadata["pages_ocr"] = ocr_pages;
  doc.reset();
  add_pdf_images(ctx, atom_id, file, info, nesting);
}

}  // namespace hart
