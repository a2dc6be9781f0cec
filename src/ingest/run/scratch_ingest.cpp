#include "ingest/run/scratch_ingest.h"

#include <nlohmann/json.hpp>
#include <cstring>
#include <unordered_map>

#include "ingest/extract/input_file.h"
#include "util/error.h"
#include "store/atom_names.h"

namespace hart {

// The main database, read-only from a worker (WAL: never blocked by the writer).
struct ScratchExtractor::Lookup {
  explicit Lookup(const std::string& path)
      : db(path, Database::Mode::kOpenExisting), find(db.prepare("SELECT size, modality, error FROM atoms WHERE sha256 = ?")) {}
  std::optional<KnownAtom> operator()(const Sha256Digest& digest) {
    find.bind_blob(1, digest.data(), digest.size());
    std::optional<KnownAtom> known;
    if (find.step()) {
      known = KnownAtom{static_cast<uint64_t>(find.int64(0)), find.text(1), std::nullopt};
      if (!find.is_null(2)) known->error = find.text(2);
    }
    find.reset();
    return known;
  }
  Database db;
  Stmt find;
};

namespace {

// A read transaction on the main database for the length of one file's extraction.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db) : db_(db) { db_.exec("BEGIN"); }
  ~ReadSnapshot() { sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr); }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Database& db_;
};

}  // namespace

ScratchExtractor::ScratchExtractor(const std::string& main_path, const ContentOptions& options)
    : options_(options), lookup_(std::make_unique<Lookup>(main_path)) {}

ScratchExtractor::~ScratchExtractor() = default;

ScratchFile ScratchExtractor::extract(const WalkEntry& entry) {
  ScratchFile out;
  try {
    InputFile file(entry.path, entry.path);
    out.size = file.size();
    out.mtime_ns = file.mtime_ns();
    if (file.size() > kMaxScratchFileBytes) {
      out.store_here = true;
      return out;
    }
    std::string head = file.prefix(ContentSniffer::kSniffBytes);
    out.type = sniffer_.sniff(reinterpret_cast<const uint8_t*>(head.data()), head.size(), file.size());
    switch (out.type->kind) {
      case ContentKind::kModel:
      case ContentKind::kText:
      case ContentKind::kBinary:
      case ContentKind::kEmpty:
        out.store_here = true;
        return out;
      default:
        break;
    }
    out.scratch = std::make_unique<Database>("", Database::Mode::kScratch);
    {
      AtomStore store(*out.scratch);
      store.look_up_elsewhere([this](const Sha256Digest& d) { return (*lookup_)(d); });
      ContentIngester ingester(store, sniffer_, options_);
      Transaction tx(*out.scratch);
      ReadSnapshot snapshot(lookup_->db);  // one read transaction, not one per lookup
      Nesting nesting;
      out.root = ingester.ingest(file, subtype::kFile, nesting, &*out.type).id;
      tx.commit();
      out.stand_ins = store.stand_ins();
      out.issues = std::move(ingester.issues());
    }
  } catch (const std::exception& e) {
    out.scratch.reset();
    out.error = e.what();
  }
  return out;
}

namespace {

class Merge {
 public:
  Merge(ScratchFile& file, AtomStore& main)
      : file_(file), main_(main),
        atom_(file.scratch->prepare("SELECT sha256, size, modality, subtype, mime, text, metadata, error,"
                                    " EXISTS(SELECT 1 FROM atom_chunks WHERE atom_id = atoms.id)"
                                    " FROM atoms WHERE id = ?")),
        chunks_(file.scratch->prepare("SELECT d.data FROM atom_chunks c JOIN chunk_data d ON d.id = c.chunk_id"
                                      " WHERE c.atom_id = ? ORDER BY c.ordinal")) {
    read_relations();
  }

  // Depth first, in the order the worker stored them: the order a serial run inserts.
  int64_t atom(int64_t scratch_id) {
    if (auto it = merged_.find(scratch_id); it != merged_.end()) {
      main_.count_reused(it->second.size);  // met again in this file: reused, as in a serial run
      return it->second.id;
    }
    Row row = read(scratch_id);
    if (file_.stand_ins.count(scratch_id)) {
      auto id = main_.reuse(row.digest, row.size);
      if (!id) throw StandInGone("an atom this file shares was removed from the database while the file was extracted");
      merged_[scratch_id] = {*id, row.size};
      return *id;
    }
    // Found stored already (another file's merge got there first): its children
    // are stored with it, so this extraction of them is not needed.
    StoredAtom stored = row.has_chunks || !row.info.text ? put_payload(scratch_id, row.info) : put_text(row.info);
    merged_[scratch_id] = {stored.id, row.size};
    if (!stored.is_new) return stored.id;
    auto children = children_of_.find(scratch_id);
    if (children == children_of_.end()) return stored.id;
    for (const Relation& r : children->second) main_.relate(stored.id, atom(r.child), r.relation, r.ordinal, r.label);
    return stored.id;
  }

 private:
  struct Row {
    Sha256Digest digest{};
    uint64_t size = 0;
    bool has_chunks = false;
    AtomInfo info;
  };
  struct Relation {
    int64_t child, ordinal;
    std::string relation;
    std::optional<std::string> label;
  };

  Row read(int64_t id) {
    atom_.bind(1, id);
    if (!atom_.step()) {
      atom_.reset();
      throw Error("scratch database: atom " + std::to_string(id) + " is missing");
    }
    Row r;
    if (atom_.bytes(0) != r.digest.size()) throw Error("scratch database: a SHA-256 is not 32 bytes");
    std::memcpy(r.digest.data(), atom_.blob(0), r.digest.size());
    r.size = static_cast<uint64_t>(atom_.int64(1));
    r.info.modality = atom_.text(2);
    r.info.subtype = atom_.text(3);
    r.info.mime = atom_.text(4);
    if (!atom_.is_null(5)) r.info.text = atom_.text(5);
    r.info.metadata = nlohmann::json::parse(atom_.text(6));
    if (!atom_.is_null(7)) r.info.error = atom_.text(7);
    r.has_chunks = atom_.int64(8) != 0;
    atom_.reset();
    return r;
  }

  // Every relation of the scratch database, by parent, in the order they were made.
  void read_relations() {
    Stmt all = file_.scratch->prepare("SELECT parent_id, child_id, relation, ordinal, label FROM atom_relations ORDER BY id");
    while (all.step()) {
      Relation r{all.int64(1), all.int64(3), all.text(2), std::nullopt};
      if (!all.is_null(4)) r.label = all.text(4);
      children_of_[all.int64(0)].push_back(std::move(r));
    }
  }

  // The payload streamed chunk by chunk, hashed again on the way: the main store
  // shares chunks it already has and counts exactly as a direct ingest does.
  StoredAtom put_payload(int64_t scratch_id, const AtomInfo& info) {
    PayloadWriter payload(main_);
    chunks_.bind(1, scratch_id);
    while (chunks_.step()) payload.write(chunks_.blob(0), chunks_.bytes(0));
    chunks_.reset();
    return main_.put_payload(payload, info);
  }

  StoredAtom put_text(AtomInfo info) {
    std::string text = std::move(*info.text);
    info.text.reset();
    return main_.put_text(text, info);
  }

  ScratchFile& file_;
  AtomStore& main_;
  Stmt atom_, chunks_;
  std::unordered_map<int64_t, std::vector<Relation>> children_of_;  // in the order they were made
  struct Merged {
    int64_t id;     // in the main database
    uint64_t size;  // counted again each time the file uses it once more
  };
  std::unordered_map<int64_t, Merged> merged_;  // by scratch id
};

}  // namespace

int64_t merge_scratch(ScratchFile& file, AtomStore& main) {
  if (!file.scratch) throw Error("merge_scratch: the file was not extracted");
  Merge merge(file, main);
  return merge.atom(file.root);
}

}  // namespace hart
