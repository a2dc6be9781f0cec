// SQL over content atoms (schema version 4).
//
//   SELECT atom_text(id) FROM atoms WHERE modality = 'text' AND subtype = 'passage';
//   -- a PDF's text: its pages' text joined by form feeds
//   SELECT length(atom_payload(id)) FROM atoms WHERE id = 1;    -- bytes, reassembled
//   SELECT * FROM atom_children(1);      -- direct parts: members, passages, ...
//   SELECT * FROM atom_parts(1);         -- everything atom 1 is made of, any depth
//   SELECT * FROM atom_wholes(42);       -- everything atom 42 is part of, any depth
//   SELECT atom_gc();                    -- remove atoms nothing uses; returns how many
//
// The table functions share one schema: atom_id, via_id (the neighbour it was reached
// through: its parent in atom_children/atom_parts, its child in atom_wholes),
// relation, ordinal, label, depth (1 = direct), and the hidden argument root.
// The root argument is required (no rows without it).
#include "sql/atom_functions.h"

#include <memory>
#include <string>

#include "store/atoms.h"
#include "store/database.h"

namespace hart {
namespace {

void atom_text_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  try {
    sqlite3* db = sqlite3_context_db_handle(ctx);
    Stmt s(db, "SELECT text, modality FROM atoms WHERE id = ?");
    s.bind(1, static_cast<int64_t>(sqlite3_value_int64(argv[0])));
    if (!s.step()) return sqlite3_result_null(ctx);
    if (!s.is_null(0)) {
      std::string t = s.text(0);
      return sqlite3_result_text(ctx, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
    }
    std::string text;
    if (s.text(1) == "document") {
      // A paged document's text is its pages' (stored once, on the page atoms).
      Stmt pages(db,
                 "SELECT a.text FROM atom_relations r JOIN atoms a ON a.id = r.child_id"
                 " WHERE r.parent_id = ? AND r.relation = 'page' ORDER BY r.ordinal");
      pages.bind(1, static_cast<int64_t>(sqlite3_value_int64(argv[0])));
      bool any = false;
      while (pages.step()) {
        if (any) text += "\f";
        text += pages.text(0);
        any = true;
      }
      if (!any) return sqlite3_result_null(ctx);
    } else if (s.text(1) == "text") {
      // A UTF-8 text file's text is its payload (not stored twice).
      read_atom_payload(db, sqlite3_value_int64(argv[0]), [&](const void* p, size_t n) {
        text.append(static_cast<const char*>(p), n);
      });
    } else {
      return sqlite3_result_null(ctx);
    }
    sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("atom_text: ") + e.what()).c_str(), -1);
  }
}

void atom_payload_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  try {
    sqlite3* db = sqlite3_context_db_handle(ctx);
    int64_t id = sqlite3_value_int64(argv[0]);
    Stmt size(db, "SELECT size, modality FROM atoms WHERE id = ?");
    size.bind(1, id);
    if (!size.step() || size.text(1) == "tensor") return sqlite3_result_null(ctx);  // a model: hart export
    int64_t limit = sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1);
    if (size.int64(0) > limit)
      return sqlite3_result_error(ctx, ("atom_payload: atom " + std::to_string(id) + " is " + std::to_string(size.int64(0)) +
                                        " bytes, more than SQLite's BLOB limit; read its chunks through atom_chunks")
                                           .c_str(), -1);
    std::string bytes;
    bytes.reserve(static_cast<size_t>(size.int64(0)));
    read_atom_payload(db, id, [&](const void* p, size_t n) { bytes.append(static_cast<const char*>(p), n); });
    sqlite3_result_blob64(ctx, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("atom_payload: ") + e.what()).c_str(), -1);
  }
}

void atom_gc_fn(sqlite3_context* ctx, int, sqlite3_value**) {
  try {
    sqlite3_result_int64(ctx, collect_unused_atoms(sqlite3_context_db_handle(ctx)));
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("atom_gc: ") + e.what()).c_str(), -1);
  }
}

// ---- table-valued functions over atom_relations ----

enum Col { kAtomId, kViaId, kRelation, kOrdinal, kLabel, kDepth, kRoot };
constexpr int kMaxDepth = 64;

const std::string kChildren =
    "SELECT child_id, parent_id, relation, ordinal, label, 1 FROM atom_relations WHERE parent_id = ?1"
    " ORDER BY relation, ordinal";
// `down` follows parent -> child; otherwise child -> parent.
std::string closure_sql(bool down) {
  std::string from = down ? "parent_id" : "child_id", to = down ? "child_id" : "parent_id";
  return "WITH RECURSIVE c(atom_id, via_id, relation, ordinal, label, depth) AS ("
         " SELECT " + to + ", " + from + ", relation, ordinal, label, 1 FROM atom_relations WHERE " + from + " = ?1"
         " UNION SELECT r." + to + ", r." + from + ", r.relation, r.ordinal, r.label, c.depth + 1"
         " FROM c JOIN atom_relations r ON r." + from + " = c.atom_id WHERE c.depth < " + std::to_string(kMaxDepth) +
         ") SELECT * FROM c ORDER BY depth, via_id, relation, ordinal";
}

struct GraphVtab {
  sqlite3_vtab base;
  sqlite3* db;
  const std::string* sql;
};

struct GraphCursor {
  sqlite3_vtab_cursor base;
  std::unique_ptr<Stmt> rows;
  bool eof = true;
  int64_t root = 0;
  int64_t rowid = 0;
};

int gConnect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char**) {
  int rc = sqlite3_declare_vtab(db,
      "CREATE TABLE x(atom_id INTEGER, via_id INTEGER, relation TEXT, ordinal INTEGER, label TEXT,"
      " depth INTEGER, root HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  auto* vt = new GraphVtab{};
  vt->db = db;
  vt->sql = static_cast<const std::string*>(aux);
  *out = &vt->base;
  return SQLITE_OK;
}

int gDisconnect(sqlite3_vtab* vt) {
  delete reinterpret_cast<GraphVtab*>(vt);
  return SQLITE_OK;
}

int gBestIndex(sqlite3_vtab*, sqlite3_index_info* info) {
  info->idxNum = 0;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (c.usable && c.op == SQLITE_INDEX_CONSTRAINT_EQ && c.iColumn == kRoot) {
      info->aConstraintUsage[i].argvIndex = 1;
      info->aConstraintUsage[i].omit = 1;
      info->idxNum = 1;
      info->estimatedCost = 10;
      return SQLITE_OK;
    }
  }
  info->estimatedCost = 1e12;  // no root: no rows; steer the planner to give one
  return SQLITE_OK;
}

int gOpen(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new GraphCursor{})->base;
  return SQLITE_OK;
}

int gClose(sqlite3_vtab_cursor* cur) {
  delete reinterpret_cast<GraphCursor*>(cur);
  return SQLITE_OK;
}

int gFail(sqlite3_vtab_cursor* cur, const std::string& msg) {
  sqlite3_free(cur->pVtab->zErrMsg);
  cur->pVtab->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
  return SQLITE_ERROR;
}

int gFilter(sqlite3_vtab_cursor* cur, int plan, const char*, int, sqlite3_value** argv) {
  auto* c = reinterpret_cast<GraphCursor*>(cur);
  auto* vt = reinterpret_cast<GraphVtab*>(cur->pVtab);
  try {
    c->rowid = 0;
    if (!(plan & 1)) {
      c->rows.reset();
      c->eof = true;
      return SQLITE_OK;
    }
    c->root = sqlite3_value_int64(argv[0]);
    c->rows = std::make_unique<Stmt>(vt->db, *vt->sql);
    c->rows->bind(1, c->root);
    c->eof = !c->rows->step();
    return SQLITE_OK;
  } catch (const std::exception& e) {
    return gFail(cur, e.what());
  }
}

int gNext(sqlite3_vtab_cursor* cur) {
  auto* c = reinterpret_cast<GraphCursor*>(cur);
  try {
    c->eof = !c->rows->step();
    c->rowid++;
    return SQLITE_OK;
  } catch (const std::exception& e) {
    return gFail(cur, e.what());
  }
}

int gEof(sqlite3_vtab_cursor* cur) { return reinterpret_cast<GraphCursor*>(cur)->eof; }

int gColumn(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  auto* c = reinterpret_cast<GraphCursor*>(cur);
  if (col == kRoot) sqlite3_result_int64(ctx, c->root);
  else sqlite3_result_value(ctx, sqlite3_column_value(c->rows->raw(), col));
  return SQLITE_OK;
}

int gRowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = reinterpret_cast<GraphCursor*>(cur)->rowid;
  return SQLITE_OK;
}

sqlite3_module kGraphModule = {
    .iVersion = 0, .xCreate = nullptr, .xConnect = gConnect, .xBestIndex = gBestIndex,
    .xDisconnect = gDisconnect, .xDestroy = nullptr, .xOpen = gOpen, .xClose = gClose,
    .xFilter = gFilter, .xNext = gNext, .xEof = gEof, .xColumn = gColumn, .xRowid = gRowid,
};

const std::string kParts = closure_sql(true);
const std::string kWholes = closure_sql(false);

}  // namespace

int register_atom_functions(sqlite3* db) {
  const int flags = SQLITE_UTF8;
  int rc = sqlite3_create_function(db, "atom_text", 1, flags, nullptr, atom_text_fn, nullptr, nullptr);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "atom_payload", 1, flags, nullptr, atom_payload_fn, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "atom_gc", 0, flags, nullptr, atom_gc_fn, nullptr, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "atom_children", &kGraphModule, const_cast<std::string*>(&kChildren));
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "atom_parts", &kGraphModule, const_cast<std::string*>(&kParts));
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "atom_wholes", &kGraphModule, const_cast<std::string*>(&kWholes));
  return rc;
}

}  // namespace hart
