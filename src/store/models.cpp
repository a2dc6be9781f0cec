#include "store/models.h"

#include "store/database.h"
#include "store/pending_writes.h"
#include "util/error.h"

namespace hart {
namespace {

constexpr const char* kColumns =
    "id, name, architecture, format, coalesce(source_sha256, ''), coalesce(source_path, ''), created_at, "
    "format_version, alignment, coalesce(source_size, 0), parameter_count, n_tensors, n_bytes, "
    "coalesce(parent_id, 0), coalesce(derivation, '')";

ModelRow read_row(const Stmt& s) {
  ModelRow m;
  m.id = s.int64(0);
  m.name = s.text(1);
  m.architecture = s.text(2);
  m.format = s.text(3);
  m.source_sha256 = s.text(4);
  m.source_path = s.text(5);
  m.created_at = s.text(6);
  m.format_version = s.int64(7);
  m.alignment = s.int64(8);
  m.source_size = s.int64(9);
  m.parameter_count = s.int64(10);
  m.n_tensors = s.int64(11);
  m.n_bytes = s.int64(12);
  m.parent_id = s.int64(13);
  m.derivation = s.text(14);
  return m;
}

std::optional<ModelRow> find_by(Database& db, const char* column, std::string_view value) {
  Stmt s = db.prepare(std::string("SELECT ") + kColumns + " FROM models WHERE " + column + " = ?");
  s.bind(1, value);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

}  // namespace

std::optional<ModelRow> find_model(Database& db, std::string_view name) { return find_by(db, "name", name); }

std::optional<ModelRow> find_model_by_sha256(Database& db, std::string_view hex) {
  return find_by(db, "source_sha256", hex);
}

ModelRow require_model(Database& db, std::string_view name) {
  if (auto m = find_model(db, name)) return *m;
  std::string known;
  for (const ModelRow& m : list_models(db)) known += (known.empty() ? "" : ", ") + m.name;
  throw UsageError(db.path() + ": no model named '" + std::string(name) + "'" +
                   (known.empty() ? " (the database holds no models yet; add one with `hart ingest`)"
                                  : " (stored models: " + known + ")"));
}

std::vector<ModelRow> list_models(Database& db) {
  Stmt s = db.prepare(std::string("SELECT ") + kColumns + " FROM models ORDER BY id");
  std::vector<ModelRow> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

RemoveReport remove_model(Database& db, std::string_view name) {
  ModelRow m = require_model(db, name);
  reclaim_abandoned_writes(db);  // removing is how users free space: free what crashed writes left too
  Transaction tx(db);
  // Chunks whose every use (tensors, atoms, writes in progress) is this model's are the
  // ones the triggers will free.
  Stmt freed = db.prepare(
      "SELECT count(*), coalesce(sum(c.n_bytes), 0) FROM chunks c"
      "  JOIN (SELECT tc.chunk_id, count(*) AS uses FROM tensor_chunks tc JOIN tensors t ON t.id = tc.tensor_id"
      "         WHERE t.model_id = ?1 GROUP BY tc.chunk_id) u ON u.chunk_id = c.id"
      " WHERE c.refcount = u.uses");
  freed.bind(1, m.id);
  freed.step();
  RemoveReport r{freed.int64(0), freed.int64(1)};
  db.prepare("DELETE FROM models WHERE id = ?").bind(1, m.id).run();
  tx.commit();
  return r;
}

}  // namespace hart
