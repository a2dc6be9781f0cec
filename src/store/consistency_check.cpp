#include "store/consistency_check.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>

#include "util/sha256.h"

namespace hart {
namespace {

using Found = std::function<void(std::string problem)>;

// SQLite's integrity_check walks overflow pages but never reads what they hold: a
// damaged chunk shows only in its hash. Chunks of the wrong size are chunk_data's.
void verify_chunk_hashes(Database& db, const Found& found) {
  Stmt s = db.prepare(
      "SELECT c.id, c.sha256, d.data FROM chunks c JOIN chunk_data d ON d.id = c.id"
      " WHERE length(d.data) = c.n_bytes ORDER BY c.id");
  while (s.step()) {
    const Sha256Digest got = sha256(s.blob(2), s.bytes(2));
    if (s.bytes(1) == got.size() && std::memcmp(s.blob(1), got.data(), got.size()) == 0) continue;
    Sha256Digest stored{};
    std::memcpy(stored.data(), s.blob(1), std::min(s.bytes(1), stored.size()));
    found("chunk " + std::to_string(s.int64(0)) + ": its " + std::to_string(s.bytes(2)) + " bytes hash to " +
          to_hex(got).substr(0, 16) + "..., not to its sha256 " + to_hex(stored).substr(0, 16) +
          "... (the stored bytes are damaged)");
  }
}

// The full-text index holds exactly the atoms that have text (read only, so it runs
// on any file), then FTS5's own check of its index structure, which since SQLite 3.44
// (rank 1) also re-tokenizes atoms' text and compares. That command is an INSERT, so a
// read-only connection skips it.
void verify_text_index(Database& db, const Found& found) {
  Stmt s = db.prepare(
      "SELECT printf('atom %d has text, but atoms_fts has no entry for it', a.id)"
      "  FROM atoms a WHERE a.text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM atoms_fts_docsize d WHERE d.id = a.id)"
      " UNION ALL "
      "SELECT printf('atoms_fts entry %d: no atom %d with text (the index keeps words of a row that is gone)', d.id, d.id)"
      "  FROM atoms_fts_docsize d WHERE NOT EXISTS (SELECT 1 FROM atoms a WHERE a.id = d.id AND a.text IS NOT NULL)");
  while (s.step()) found(s.text(0));
  if (db.read_only()) return;
  try {
    db.exec("INSERT INTO atoms_fts(atoms_fts, rank) VALUES('integrity-check', 1)");
  } catch (const std::exception& e) {
    found(std::string("FTS5's integrity-check of atoms_fts failed: ") + e.what());
  }
}

struct Check {
  const char* name;
  const char* description;
  const char* sql;  // one row per problem; column 0 describes it
  void (*verify)(Database&, const Found&) = nullptr;  // instead of `sql`, for checks SQL cannot do
};

// Ids are printed in every message so a user can look the rows up. Counting
// subqueries use the indexes on the referencing columns (tensor_chunks_by_chunk,
// atom_chunks_by_chunk, sources_by_atom, atom_relations_by_child).
constexpr Check kChecks[] = {
    {"integrity_check", "SQLite's PRAGMA integrity_check: pages, records and indexes",
     "SELECT integrity_check FROM pragma_integrity_check WHERE integrity_check <> 'ok'"},
    {"foreign_key_check", "SQLite's PRAGMA foreign_key_check: every reference names an existing row",
     "SELECT printf('%s row %s: %s refers to a missing %s row', fk.\"table\", coalesce(fk.rowid, '(no rowid)'),"
     "              coalesce(l.\"from\", 'a column'), fk.parent)"
     "  FROM pragma_foreign_key_check AS fk"
     "  LEFT JOIN pragma_foreign_key_list(fk.\"table\") AS l ON l.id = fk.fkid AND l.seq = 0"},
    {"chunk_refcount",
     "chunks.refcount = its tensor_chunks + atom_chunks + pending_chunks rows, and no chunk is kept unused",
     "SELECT CASE WHEN uses = 0 AND refcount = 0"
     "   THEN printf('chunk %d: nothing uses it, yet it is stored (a chunk is deleted when its refcount reaches 0)', id)"
     "   ELSE printf('chunk %d: refcount %d, but %d tensor_chunks, %d atom_chunks and %d pending_chunks rows use it',"
     "               id, refcount, tensor_uses, atom_uses, pending_uses) END"
     "  FROM (SELECT id, refcount, tensor_uses, atom_uses, pending_uses, tensor_uses + atom_uses + pending_uses AS uses"
     "          FROM (SELECT c.id, c.refcount,"
     "                       (SELECT count(*) FROM tensor_chunks WHERE chunk_id = c.id) AS tensor_uses,"
     "                       (SELECT count(*) FROM atom_chunks WHERE chunk_id = c.id) AS atom_uses,"
     "                       (SELECT count(*) FROM pending_chunks WHERE chunk_id = c.id) AS pending_uses"
     "                  FROM chunks c))"
     " WHERE refcount <> uses OR uses = 0"},
    {"atom_refcount", "atoms.refcount = the sources and atom_relations rows pointing at it",
     "SELECT printf('atom %d: refcount %d, but %d sources and %d atom_relations rows point at it',"
     "              id, refcount, source_uses, relation_uses)"
     "  FROM (SELECT a.id, a.refcount,"
     "               (SELECT count(*) FROM sources WHERE atom_id = a.id) AS source_uses,"
     "               (SELECT count(*) FROM atom_relations WHERE child_id = a.id) AS relation_uses"
     "          FROM atoms a)"
     " WHERE refcount <> source_uses + relation_uses"},
    {"chunk_data", "every chunk has a chunk_data row of chunks.n_bytes bytes",
     "SELECT CASE WHEN d.id IS NULL THEN printf('chunk %d: no chunk_data row (its %d bytes are lost)', c.id, c.n_bytes)"
     "   ELSE printf('chunk %d: chunk_data holds %d bytes, chunks.n_bytes says %d', c.id, length(d.data), c.n_bytes) END"
     "  FROM chunks c LEFT JOIN chunk_data d ON d.id = c.id"
     " WHERE d.id IS NULL OR length(d.data) IS NOT c.n_bytes"},
    {"chunk_sha256", "every chunk's bytes hash to its chunks.sha256 (reads every byte)", nullptr,
     verify_chunk_hashes},
    {"chunk_zones", "every tensor_chunks row has a chunk_zones box covering its elements, values and importance,"
                    " and every box has its row",
     "SELECT CASE WHEN z.id IS NULL"
     "   THEN printf('tensor_chunks row %d (tensor %d, ordinal %d): no chunk_zones entry', tc.id, tc.tensor_id, tc.ordinal)"
     "   ELSE printf('tensor_chunks row %d (tensor %d, ordinal %d): its chunk_zones box (elements %g..%g, values %g..%g,"
     " importance %g..%g) does not cover elements %d..%d, values %g..%g, importance %g..%g', tc.id, tc.tensor_id,"
     "               tc.ordinal, z.idx_min, z.idx_max, z.val_min, z.val_max, z.imp_min, z.imp_max, tc.elem_start,"
     "               tc.elem_start + tc.elem_count - 1, coalesce(tc.val_min, 0), coalesce(tc.val_max, 0),"
     "               coalesce(tc.imp_min, 0), coalesce(tc.imp_max, 0)) END"
     "  FROM tensor_chunks tc LEFT JOIN chunk_zones z ON z.id = tc.id"
     " WHERE z.id IS NULL OR z.idx_min > tc.elem_start OR z.idx_max < tc.elem_start + tc.elem_count - 1"
     "    OR z.val_min > coalesce(tc.val_min, 0) OR z.val_max < coalesce(tc.val_max, 0)"
     "    OR z.imp_min > coalesce(tc.imp_min, 0) OR z.imp_max < coalesce(tc.imp_max, 0)"
     " UNION ALL "
     "SELECT printf('chunk_zones entry %d: no tensor_chunks row %d', z.id, z.id)"
     "  FROM chunk_zones z WHERE NOT EXISTS (SELECT 1 FROM tensor_chunks WHERE id = z.id)"},
    {"score_zones", "every score_chunks row scores the elements of its tensor chunk, of a set of the tensor's model,"
                    " with a score_zones box covering it, and every box has its row",
     "SELECT printf('score_chunks row %d (set %d, tensor %d, ordinal %d): %s', sc.id, sc.score_set_id, sc.tensor_id,"
     "              sc.ordinal, CASE WHEN tc.id IS NULL THEN 'the tensor has no chunk of that ordinal and elements'"
     "                               WHEN s.model_id IS NOT t.model_id THEN 'its score set belongs to another model'"
     "                               ELSE 'no score_zones box covers its elements and importance' END)"
     "  FROM score_chunks sc JOIN tensors t ON t.id = sc.tensor_id LEFT JOIN score_sets s ON s.id = sc.score_set_id"
     "  LEFT JOIN tensor_chunks tc ON tc.tensor_id = sc.tensor_id AND tc.ordinal = sc.ordinal"
     "   AND tc.elem_start = sc.elem_start AND tc.elem_count = sc.elem_count"
     "  LEFT JOIN score_zones z ON z.id = sc.id"
     " WHERE tc.id IS NULL OR s.model_id IS NOT t.model_id OR z.id IS NULL OR z.idx_min > sc.elem_start"
     "    OR z.idx_max < sc.elem_start + sc.elem_count - 1 OR z.imp_min > coalesce(sc.imp_min, 0)"
     "    OR z.imp_max < coalesce(sc.imp_max, 0)"
     " UNION ALL "
     "SELECT printf('score_zones entry %d: no score_chunks row %d', z.id, z.id)"
     "  FROM score_zones z WHERE NOT EXISTS (SELECT 1 FROM score_chunks WHERE id = z.id)"},
    {"tensor_elements", "tensors.n_elements and n_bytes = the sums over its chunks",
     "SELECT printf('tensor %d (''%s'' of model %d): %d elements in %d bytes, but its chunks (%d) hold %d elements"
     " in %d bytes', t.id, t.name, t.model_id, t.n_elements, t.n_bytes, coalesce(s.n, 0), coalesce(s.elements, 0),"
     "               coalesce(s.bytes, 0))"
     "  FROM tensors t"
     "  LEFT JOIN (SELECT tc.tensor_id, count(*) AS n, sum(tc.elem_count) AS elements, sum(c.n_bytes) AS bytes"
     "               FROM tensor_chunks tc LEFT JOIN chunks c ON c.id = tc.chunk_id GROUP BY tc.tensor_id) s"
     "         ON s.tensor_id = t.id"
     " WHERE t.n_elements <> coalesce(s.elements, 0) OR t.n_bytes <> coalesce(s.bytes, 0)"},
    {"model_totals", "models.n_tensors, parameter_count and n_bytes = the count and sums over its tensors",
     "SELECT printf('model %d (''%s''): %d tensors, %d parameters, %d bytes, but it has %d tensors rows with"
     " %d elements in %d bytes', m.id, m.name, m.n_tensors, m.parameter_count, m.n_bytes, coalesce(s.n, 0),"
     "               coalesce(s.elements, 0), coalesce(s.bytes, 0))"
     "  FROM models m"
     "  LEFT JOIN (SELECT model_id, count(*) AS n, sum(n_elements) AS elements, sum(n_bytes) AS bytes"
     "               FROM tensors GROUP BY model_id) s ON s.model_id = m.id"
     " WHERE m.n_tensors <> coalesce(s.n, 0) OR m.parameter_count <> coalesce(s.elements, 0)"
     "    OR m.n_bytes <> coalesce(s.bytes, 0)"},
    {"text_index", "atoms_fts indexes every atom with text and nothing else, and its index is well formed", nullptr,
     verify_text_index},
};

}  // namespace

bool ConsistencyReport::ok() const {
  for (const ConsistencyCheckResult& c : checks)
    if (c.problems) return false;
  return true;
}

ConsistencyReport check_consistency(Database& db, size_t max_findings_per_check) {
  ConsistencyReport report;
  for (const Check& check : kChecks) {
    ConsistencyCheckResult result{check.name, check.description, 0};
    const Found found = [&](std::string problem) {
      if (static_cast<size_t>(result.problems++) < max_findings_per_check)
        report.findings.push_back({check.name, std::move(problem)});
    };
    try {
      if (check.verify) {
        check.verify(db, found);
      } else {
        Stmt s = db.prepare(check.sql);
        while (s.step()) found(s.text(0));
      }
    } catch (const std::exception& e) {
      found(std::string("the check could not run: ") + e.what());
    }
    report.checks.push_back(std::move(result));
  }
  return report;
}

}  // namespace hart
