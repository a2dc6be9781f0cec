#include "store/atom_store.h"
#include "store/atom_names.h"

#include <cstring>

namespace hart {
namespace {

void bind_optional(Stmt& s, int i, const std::optional<std::string>& v) {
  if (v) s.bind(i, *v); else s.bind_null(i);
}

}  // namespace

void PayloadWriter::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  whole_.update(p, n);
  size_ += n;
  while (n > 0) {
    size_t take = std::min(n, kAtomChunkBytes - buffer_.size());
    buffer_.append(p, take);
    p += take;
    n -= take;
    if (buffer_.size() == kAtomChunkBytes) flush_chunk();
  }
}

void PayloadWriter::flush_chunk() {
  if (buffer_.empty()) return;
  ChunkStore::Put put = store_.chunks_.put(sha256(buffer_.data(), buffer_.size()), buffer_.data(), buffer_.size());
  chunk_ids_.push_back(put.id);
  if (put.is_new) {
    new_chunk_ids_.push_back(put.id);
    new_bytes_ += buffer_.size();
  } else {
    shared_bytes_ += buffer_.size();
  }
  buffer_.clear();
}

AtomStore::AtomStore(Database& db)
    : db_(db),
      chunks_(db),
      find_(db.prepare("SELECT id FROM atoms WHERE sha256 = ?")),
      insert_(db.prepare("INSERT INTO atoms(sha256, modality, subtype, mime, size, text, metadata, error, model_id)"
                         " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      insert_chunk_ref_(db.prepare("INSERT INTO atom_chunks(atom_id, ordinal, chunk_id) VALUES(?, ?, ?)")),
      relate_(db.prepare("INSERT INTO atom_relations(parent_id, child_id, relation, ordinal, label)"
                         " VALUES(?, ?, ?, ?, ?)")),
      mark_failed_(db.prepare(std::string("UPDATE atoms SET modality = '") + modality::kBinary + "', error = ?, text = NULL WHERE id = ?")),
      update_(db.prepare("UPDATE atoms SET text = ?, metadata = ?, error = ?, modality = ? WHERE id = ?")),
      problem_(db.prepare("SELECT modality, error FROM atoms WHERE id = ? AND error IS NOT NULL")) {}

std::optional<int64_t> AtomStore::find(const Sha256Digest& digest) {
  find_.bind_blob(1, digest.data(), digest.size());
  std::optional<int64_t> id;
  if (find_.step()) id = find_.int64(0);
  find_.reset();
  if (id || !elsewhere_) return id;
  std::optional<KnownAtom> known = elsewhere_(digest);
  if (!known) return id;
  AtomInfo stand_in;
  stand_in.modality = known->modality;
  stand_in.subtype = subtype::kStandIn;
  stand_in.error = known->error;
  id = insert(digest, known->size, stand_in);  // a scratch store: the merge does the counting
  stand_ins_.insert(*id);
  return id;
}

std::optional<int64_t> AtomStore::reuse(const Sha256Digest& digest, uint64_t size) {
  std::optional<int64_t> id = find(digest);
  if (id) count_reused(size);
  return id;
}

int64_t AtomStore::insert(const Sha256Digest& digest, uint64_t size, const AtomInfo& info) {
  insert_.bind_blob(1, digest.data(), digest.size()).bind(2, info.modality).bind(3, info.subtype)
      .bind(4, info.mime).bind(5, static_cast<int64_t>(size));
  bind_optional(insert_, 6, info.text);
  insert_.bind(7, info.metadata.dump());
  bind_optional(insert_, 8, info.error);
  if (info.model_id) insert_.bind(9, *info.model_id); else insert_.bind_null(9);
  insert_.run();
  counters_.atoms_new++;
  return db_.last_insert_rowid();
}

StoredAtom AtomStore::put_payload(PayloadWriter& payload, const AtomInfo& info) {
  payload.flush_chunk();
  Sha256Digest digest = payload.whole_.finish();
  if (auto id = reuse(digest, payload.size_)) {
    // Identical content is stored: only chunks this writer added (none, unless a
    // chunk had been freed meanwhile) are taken back.
    for (int64_t c : payload.new_chunk_ids_) chunks_.drop_if_unused(c);
    return {*id, false};
  }
  int64_t id = insert(digest, payload.size_, info);
  for (size_t i = 0; i < payload.chunk_ids_.size(); ++i)
    insert_chunk_ref_.bind(1, id).bind(2, static_cast<int64_t>(i)).bind(3, payload.chunk_ids_[i]).run();
  counters_.bytes_stored += payload.new_bytes_;
  counters_.bytes_saved += payload.shared_bytes_;
  return {id, true};
}

StoredAtom AtomStore::put_bytes(std::string_view bytes, const AtomInfo& info) {
  PayloadWriter payload(*this);
  payload.write(bytes.data(), bytes.size());
  return put_payload(payload, info);
}

StoredAtom AtomStore::put_text(std::string_view text, const AtomInfo& info) {
  Sha256Digest digest = sha256(text.data(), text.size());
  if (auto id = reuse(digest, text.size())) return {*id, false};
  AtomInfo with_text = info;
  with_text.text = std::string(text);
  counters_.bytes_stored += text.size();
  return {insert(digest, text.size(), with_text), true};
}

StoredAtom AtomStore::put_digest(const Sha256Digest& digest, uint64_t size, const AtomInfo& info) {
  if (auto id = reuse(digest, 0)) return {*id, false};  // the model store counts its bytes
  return {insert(digest, size, info), true};
}

void AtomStore::relate(int64_t parent, int64_t child, std::string_view relation, int64_t ordinal,
                       std::optional<std::string> label) {
  relate_.bind(1, parent).bind(2, child).bind(3, relation).bind(4, ordinal);
  bind_optional(relate_, 5, label);
  relate_.run();
}

void AtomStore::mark_failed(int64_t atom_id, std::string_view error) {
  mark_failed_.bind(1, error).bind(2, atom_id).run();
}

std::optional<AtomStore::Problem> AtomStore::recorded_problem(int64_t atom_id) {
  problem_.bind(1, atom_id);
  std::optional<Problem> p;
  if (problem_.step()) p = Problem{problem_.text(0), problem_.text(1)};
  problem_.reset();
  return p;
}

void AtomStore::update_extraction(int64_t atom_id, const AtomInfo& info) {
  bind_optional(update_, 1, info.text);
  update_.bind(2, info.metadata.dump());
  bind_optional(update_, 3, info.error);
  update_.bind(4, info.modality).bind(5, atom_id).run();
}

}  // namespace hart
