#include "store/atoms.h"

#include <filesystem>

#include "store/database.h"
#include "util/error.h"

namespace hart {

int64_t collect_unused_atoms(sqlite3* db) {
  Stmt sweep(db, "DELETE FROM atoms WHERE refcount = 0");
  int64_t removed = 0;
  for (;;) {
    sweep.run();
    int n = sqlite3_changes(db);
    if (n == 0) return removed;
    removed += n;
  }
}

bool read_atom_payload(sqlite3* db, int64_t atom_id, const std::function<void(const void*, size_t)>& piece) {
  Stmt atom(db, "SELECT text FROM atoms WHERE id = ?");
  atom.bind(1, atom_id);
  if (!atom.step()) return false;
  Stmt chunks(db,
              "SELECT d.data FROM atom_chunks ac JOIN chunk_data d ON d.id = ac.chunk_id"
              " WHERE ac.atom_id = ? ORDER BY ac.ordinal");
  chunks.bind(1, atom_id);
  bool any = false;
  while (chunks.step()) {
    any = true;
    piece(chunks.blob(0), chunks.bytes(0));
  }
  if (!any && !atom.is_null(0)) {
    std::string text = atom.text(0);
    piece(text.data(), text.size());
  }
  return true;
}

std::string source_path(const std::string& path) {
  std::string p = std::filesystem::absolute(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

SourceRemoval remove_source(Database& db, const std::string& path) {
  std::string p = source_path(path);
  SourceRemoval r;
  Transaction tx(db);
  Stmt before(db.handle(), "SELECT coalesce(sum(n_bytes), 0) FROM chunks");
  before.step();
  int64_t bytes_before = before.int64(0);
  // A folder's sources are the paths below it: `path/` is a prefix (compared with
  // substr, so % and _ in names are not wildcards).
  Stmt del(db.handle(), "DELETE FROM sources WHERE path = ?1 OR substr(path, 1, length(?1) + 1) = ?1 || '/'");
  del.bind(1, p).run();
  r.sources = sqlite3_changes(db.handle());
  if (r.sources == 0)
    throw UsageError(p + ": nothing was ingested from this path; `hart sql DB \"SELECT path FROM sources\"` lists the sources");
  r.atoms_freed = collect_unused_atoms(db.handle());
  Stmt after(db.handle(), "SELECT coalesce(sum(n_bytes), 0) FROM chunks");
  after.step();
  r.bytes_freed = bytes_before - after.int64(0);
  tx.commit();
  return r;
}

}  // namespace hart
