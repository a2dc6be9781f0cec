#include "ingest/extractors.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <memory>
#include <utility>
#include <string>

#include "ingest/content_ingester.h"
#include "ingest/input_file.h"
#include "ingest/text_decode.h"
#include "util/error.h"

namespace hart {
namespace {

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

}  // namespace

void extract_pdf(ContentIngester& ingester, int64_t atom_id, InputFile& file, AtomInfo& info) {
  silence_poppler();
  // Through the open descriptor: works for spooled archive members too, and Poppler
  // reads the file as it needs rather than all at once.
  std::string path = "/proc/self/fd/" + std::to_string(file.fd());
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
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
  int pages = doc->pages();
  info.metadata["pages"] = pages;
  AtomInfo page_info;
  page_info.modality = "text";
  page_info.subtype = "page";
  page_info.mime = "text/plain; charset=utf-8";
  int empty = 0;
  AtomStore& store = ingester.store();
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    std::string text = page ? utf8(page->text()) : std::string();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\f')) text.pop_back();
    if (text.empty()) {  // scanned pages have no text layer (OCR is a later step)
      ++empty;
      continue;
    }
    StoredAtom p = store.put_text(text, page_info);
    if (p.id == atom_id) continue;
    store.relate(atom_id, p.id, "page", i);
    if (p.is_new) add_passages(ingester, p.id, text, true);
  }
  if (empty) info.metadata["pages_without_text"] = empty;
}

}  // namespace hart
