#include "store/chunk_store.h"

namespace hart {

ChunkStore::ChunkStore(Database& db)
    : db_(db),
      find_(db.prepare("SELECT id FROM chunks WHERE sha256 = ?")),
      insert_chunk_(db.prepare("INSERT INTO chunks(sha256, n_bytes) VALUES(?, ?)")),
      insert_data_(db.prepare("INSERT INTO chunk_data(id, data) VALUES(?, ?)")),
      drop_data_(db.prepare("DELETE FROM chunk_data WHERE id = ?1 AND (SELECT refcount FROM chunks WHERE id = ?1) = 0")),
      drop_chunk_(db.prepare("DELETE FROM chunks WHERE id = ? AND refcount = 0")) {}

ChunkStore::Put ChunkStore::put(const Sha256Digest& h, const void* p, uint64_t n) {
  find_.bind_blob(1, h.data(), h.size());
  bool found = find_.step();
  int64_t id = found ? find_.int64(0) : 0;
  find_.reset();
  if (found) return {id, false};
  insert_chunk_.bind_blob(1, h.data(), h.size()).bind(2, static_cast<int64_t>(n)).run();
  id = db_.last_insert_rowid();
  insert_data_.bind(1, id).bind_blob(2, p, n).run();
  return {id, true};
}

void ChunkStore::drop_if_unused(int64_t id) {
  drop_data_.bind(1, id).run();
  drop_chunk_.bind(1, id).run();
}

}  // namespace hart
