#include "ingest/content_ingester.h"

#include "ingest/extractors.h"
#include "ingest/input_file.h"
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

}  // namespace

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
  if (type.kind == ContentKind::kEmpty) info.error = "empty file (0 bytes)";

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
      extract(atom.id, file, type, info, nesting);
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

void ContentIngester::extract(int64_t atom_id, InputFile& file, const ContentType& type, AtomInfo& info,
                              Nesting& nesting) {
  switch (type.kind) {
    case ContentKind::kText:
      extract_text(*this, atom_id, file, type, info);
      break;
    case ContentKind::kArchive:
      extract_archive(*this, atom_id, file, type, info, nesting);
      break;
    case ContentKind::kDocument:
      if (type.mime == "application/pdf") {
        extract_pdf(*this, atom_id, file, info, nesting);
        break;
      }
      if (is_office_package(type.mime)) {
        extract_office(*this, atom_id, file, type, info, nesting);
        break;
      }
      // Legacy binary formats (Word 97-2003, PostScript): stored whole.
      info.metadata["extracted"] = false;
      info.metadata["note"] = "no extractor for " + type.mime + " yet; stored whole";
      break;
    case ContentKind::kVideo:
      extract_video(*this, atom_id, file, info, nesting);
      break;
    case ContentKind::kImage:
      extract_image(*this, atom_id, file, info, nesting);
      break;
    case ContentKind::kAudio:
      extract_audio(*this, atom_id, file, type, info);
      break;
    default:
      break;
  }
}

}  // namespace hart
