#include "ingest/dispatch/content_ingester.h"

#include "ingest/extract/extractors.h"
#include "ingest/extract/input_file.h"
#include "util/error.h"
#include "store/atom_names.h"

namespace hart {
namespace {

// A named SAVEPOINT: rolled back (and released) unless release() is called.
class Savepoint {
 public:
  explicit Savepoint(Database& db) : db_(db) { db_.exec("SAVEPOINT extract"); }
  ~Savepoint() {
    if (open_) {
      try {
        db_.exec("ROLLBACK TO extract");
        db_.exec("RELEASE extract");
      } catch (...) {  // the enclosing transaction rolls back anyway
      }
    }
  }
  void release() {
    db_.exec("RELEASE extract");
    open_ = false;
  }

 private:
  Database& db_;
  bool open_ = true;
};

// Documents with no extractor yet (Word 97-2003, PostScript): stored whole.
void extract_unsupported_document(ExtractContext& ctx, InputFile&) {
  ctx.info().metadata["extracted"] = false;
  ctx.info().metadata["note"] = "no extractor for " + ctx.type().mime + " yet; stored whole";
}

bool is_pdf(std::string_view mime) { return mime == "application/pdf"; }

// kind (and, for documents, MIME type) → extractor; the first matching row wins.
struct ExtractorRoute {
  ContentKind kind;
  bool (*accepts)(std::string_view mime);  // nullptr: every MIME type of the kind
  Extractor extract;
};
constexpr ExtractorRoute kExtractors[] = {
    {ContentKind::kText, nullptr, extract_text},
    {ContentKind::kArchive, nullptr, extract_archive},
    {ContentKind::kDocument, is_pdf, extract_pdf},
    {ContentKind::kDocument, is_office_package, extract_office},
    {ContentKind::kDocument, nullptr, extract_unsupported_document},
    {ContentKind::kImage, nullptr, extract_image},
    {ContentKind::kAudio, nullptr, extract_audio},
    {ContentKind::kVideo, nullptr, extract_video},
};

Extractor extractor_for(const ContentType& type) {
  for (const ExtractorRoute& r : kExtractors)
    if (r.kind == type.kind && (!r.accepts || r.accepts(type.mime))) return r.extract;
  return nullptr;  // empty, model, binary: the payload is all there is
}

}  // namespace

// What an extractor sees of this ingester: the atom it extracts and the ways to add to it.
class ContentIngester::Context final : public ExtractContext {
 public:
  Context(ContentIngester& ingester, int64_t atom_id, const ContentType& type, AtomInfo& info, Nesting& nesting)
      : ingester_(ingester), atom_id_(atom_id), type_(type), info_(info), nesting_(nesting) {}
  int64_t atom_id() const override { return atom_id_; }
  const ContentType& type() const override { return type_; }
  AtomInfo& info() override { return info_; }
  const ContentOptions& options() const override { return ingester_.options_; }
  Nesting& nesting() override { return nesting_; }
  StoredAtom put_bytes(std::string_view bytes, const AtomInfo& info) override {
    return ingester_.store_.put_bytes(bytes, info);
  }
  StoredAtom put_text(std::string_view text, const AtomInfo& info) override {
    return ingester_.store_.put_text(text, info);
  }
  void relate(int64_t parent, int64_t child, std::string_view relation, int64_t ordinal,
              std::optional<std::string> label) override {
    ingester_.store_.relate(parent, child, relation, ordinal, std::move(label));
  }
  using ExtractContext::relate;
  StoredAtom ingest_child(InputFile& file, const std::string& subtype) override {
    return ingester_.ingest(file, subtype, nesting_);
  }
  ContentType sniff(InputFile& file) override { return ingester_.sniff(file); }
  void report(ContentIssue issue) override { ingester_.issues_.push_back(std::move(issue)); }

 private:
  ContentIngester& ingester_;
  int64_t atom_id_;
  const ContentType& type_;
  AtomInfo& info_;
  Nesting& nesting_;
};

ContentType ContentIngester::sniff(InputFile& file) {
  std::string head = file.prefix(ContentSniffer::kSniffBytes);
  return sniffer_.sniff(reinterpret_cast<const uint8_t*>(head.data()), head.size(), file.size());
}

StoredAtom ContentIngester::ingest(InputFile& file, const std::string& subtype, Nesting& nesting,
                                   const ContentType* known_type) {
  ContentType type = known_type ? *known_type : sniff(file);
  AtomInfo info;
  info.modality = modality_of(type.kind);
  info.subtype = subtype;
  info.mime = type.mime;
  if (type.kind == ContentKind::kModel) {
    // Only a model file on disk goes to the model store (it maps the file); one
    // met inside an archive stays a plain payload for now.
    info.modality = modality::kBinary;
    info.metadata["note"] = "a model file inside an archive; ingest it on its own to store it as a model";
  }
  // An empty file is stored as the empty atom (binary, application/x-empty), not a
  // failure: nothing was lost, and a folder of placeholders is not a failed ingest.

  PayloadWriter payload(store_);
  uint64_t read = file.stream([&](const char* p, size_t n) { payload.write(p, n); });
  if (read != file.size()) info.metadata["note"] = "the file changed size while being read; the bytes read are stored";
  StoredAtom atom = store_.put_payload(payload, info);
  if (!atom.is_new) {
    // Known content: not extracted again, but its recorded problem still concerns this file.
    if (auto known = store_.recorded_problem(atom.id))
      issues_.push_back({file.display(), known->error, known->modality != modality::kBinary});
    return atom;
  }
  if (info.error) {
    issues_.push_back({file.display(), *info.error});
    return atom;
  }
  std::string error;
  bool failed = false;
  size_t issues_before = issues_.size();
  {
    Savepoint sp(store_.db());  // rolled back unless released
    try {
      Context ctx(*this, atom.id, type, info, nesting);
      if (Extractor extract = extractor_for(type)) extract(ctx, file);
      store_.update_extraction(atom.id, info);
      sp.release();
    } catch (const std::exception& e) {
      error = e.what();
      failed = true;
    }
  }
  if (failed) {
    // The extractor's rows are gone (members' problems with them); the payload
    // stays, as binary, with the reason.
    issues_.resize(issues_before);
    store_.mark_failed(atom.id, error);
    issues_.push_back({file.display(), error});
  }
  return atom;
}

}  // namespace hart
