// hart_vectors: vector collections with sqlite-vec's syntax (search/collection_spec.h
// has the DDL). Storage, search and sealing live in search/; this file is the SQL face.
//
//   CREATE VIRTUAL TABLE items USING hart_vectors(embedding float[4] distance_metric=cosine, category text);
//   INSERT INTO items(rowid, embedding, category) VALUES (1, '[0.1, 0.2, 0.3, 0.4]', 'a');
//   SELECT rowid, distance FROM items WHERE embedding MATCH '[0.1, 0.2, 0.3, 0.5]' AND k = 10
//     AND category = 'a' ORDER BY distance;
//   INSERT INTO items(items) VALUES ('seal');   -- commands, as FTS5 takes them: seal, merge,
//                                               -- rebuild, check
//
// Hidden columns: distance (of a KNN row), and the query options k, mode (search/knn.h:
// auto, exact, ann, int8, binary), ef_search and oversample; the column named like the
// table takes commands.
//
// xBestIndex: a MATCH on the vector column makes a KNN plan; k = N or LIMIT N (plus
// OFFSET) sets k; comparisons of filterable metadata (=, !=, <, <=, >, >=, LIKE, GLOB,
// IS [NOT] [NULL], under the BINARY collation) are pushed into the search, so the answer
// keeps k rows (search/knn.h). Every pushed constraint is exact (omit = 1). Without
// MATCH: rowid = N is a point lookup, anything else a scan in rowid order.
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/knn.h"
#include "search/maintenance.h"
#include "sql/scan_stats.h"
#include "sql/surface.h"
#include "sql/vector_arg.h"
#include "sql/vtab.h"
#include "util/error.h"

namespace hart {
namespace {

using search::Collection;
using search::CollectionSpec;

#ifndef SQLITE_INDEX_CONSTRAINT_LIMIT
#define SQLITE_INDEX_CONSTRAINT_LIMIT 73
#define SQLITE_INDEX_CONSTRAINT_OFFSET 74
#endif

enum Plan { kScan = 0, kPoint = 1, kKnn = 2 };

struct Table {
  sqlite3_vtab base{};
  std::unique_ptr<Collection> collection;
  size_t n_meta = 0;
  std::string shown_table;  // the table's name as a JSON string, for hart_vectors_last_search()
  // Column numbers of the hidden columns.
  int col_distance() const { return static_cast<int>(n_meta) + 1; }
  int col_k() const { return col_distance() + 1; }
  int col_mode() const { return col_distance() + 2; }
  int col_ef() const { return col_distance() + 3; }
  int col_oversample() const { return col_distance() + 4; }
  int col_command() const { return col_distance() + 5; }
};

struct Cursor {
  sqlite3_vtab_cursor base{};
  std::vector<search::Hit> hits;  // KNN rows, or scan/point rows with distance unused
  bool knn = false;
  size_t at = 0;
  // The current row's metadata, read on first use.
  std::unique_ptr<Stmt> meta;
  int64_t meta_rowid = -1;
};

Table& table_of(sqlite3_vtab* vt) { return *reinterpret_cast<Table*>(vt); }
Cursor& cursor_of(sqlite3_vtab_cursor* c) { return *reinterpret_cast<Cursor*>(c); }

int fail(sqlite3_vtab* vt, const std::string& what) {
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = sqlite3_mprintf("hart_vectors: %s", what.c_str());
  return SQLITE_ERROR;
}

std::string declaration(const CollectionSpec& spec, const std::string& table) {
  std::string sql = "CREATE TABLE x(" + quote_identifier(spec.vector_column);
  for (const auto& c : spec.columns) sql += ", " + quote_identifier(c.name) + " " + search::column_kind_name(c.kind);
  return sql + ", distance HIDDEN, k HIDDEN, mode HIDDEN, ef_search HIDDEN, oversample HIDDEN, " + quote_identifier(table) +
         " HIDDEN)";
}

int open_table(sqlite3* db, int argc, const char* const* argv, sqlite3_vtab** out, char** err, bool create) {
  try {
    std::vector<std::string> args(argv + 3, argv + argc);
    const CollectionSpec spec = search::parse_collection_spec(args);
    const std::string table = argv[2];
    for (const auto& c : spec.columns)
      if (sqlite3_stricmp(c.name.c_str(), table.c_str()) == 0)
        throw UsageError("column '" + c.name + "' has the table's own name, which takes commands");
    auto t = std::make_unique<Table>();
    t->collection = std::make_unique<Collection>(db, argv[1], table, spec);
    t->n_meta = spec.columns.size();
    t->shown_table = nlohmann::json(table).dump();
    if (int rc = sqlite3_declare_vtab(db, declaration(spec, table).c_str()); rc != SQLITE_OK)
      throw Error(std::string("declaring the table failed: ") + sqlite3_errmsg(db));
    if (create) t->collection->store().create();
    *out = &t.release()->base;
    return SQLITE_OK;
  } catch (const std::exception& e) {
    *err = sqlite3_mprintf("hart_vectors: %s", e.what());
    return SQLITE_ERROR;
  }
}

int x_create(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return open_table(db, argc, argv, out, err, true);
}
int x_connect(sqlite3* db, void*, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return open_table(db, argc, argv, out, err, false);
}
int x_disconnect(sqlite3_vtab* vt) {
  delete &table_of(vt);
  return SQLITE_OK;
}
int x_destroy(sqlite3_vtab* vt) {
  try {
    table_of(vt).collection->store().destroy();
  } catch (const std::exception& e) {
    return fail(vt, e.what());
  }
  return x_disconnect(vt);
}

const char* op_sql(unsigned char op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: return "=";
    case SQLITE_INDEX_CONSTRAINT_NE: return "!=";
    case SQLITE_INDEX_CONSTRAINT_LT: return "<";
    case SQLITE_INDEX_CONSTRAINT_LE: return "<=";
    case SQLITE_INDEX_CONSTRAINT_GT: return ">";
    case SQLITE_INDEX_CONSTRAINT_GE: return ">=";
    case SQLITE_INDEX_CONSTRAINT_LIKE: return "LIKE";
    case SQLITE_INDEX_CONSTRAINT_GLOB: return "GLOB";
    case SQLITE_INDEX_CONSTRAINT_IS: return "IS";
    case SQLITE_INDEX_CONSTRAINT_ISNOT: return "IS NOT";
    case SQLITE_INDEX_CONSTRAINT_ISNULL: return "IS NULL";
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL: return "IS NOT NULL";
    default: return nullptr;
  }
}

// idxStr: one token per argv value, space-separated: M (match), K, L (limit),
// O (offset), D (mode), E (ef_search), S (oversample), R (rowid), F<column>:<op> (a filter; IS [NOT]
// NULL filters take no argv value and are listed as N<column>:<op>).
int x_best_index(sqlite3_vtab* vt, sqlite3_index_info* info) {
  Table& t = table_of(vt);
  const auto& columns = t.collection->spec().columns;
  int match = -1, k = -1, limit = -1, offset = -1, mode = -1, ef = -1, oversample = -1, rowid = -1;
  std::vector<int> filters;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable) continue;
    const int col = c.iColumn;
    if (c.op == SQLITE_INDEX_CONSTRAINT_MATCH && col == 0) match = i;
    else if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT) limit = i;
    else if (c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) offset = i;
    else if (c.op == SQLITE_INDEX_CONSTRAINT_EQ && col == t.col_k()) k = i;
    else if (c.op == SQLITE_INDEX_CONSTRAINT_EQ && col == t.col_mode()) mode = i;
    else if (c.op == SQLITE_INDEX_CONSTRAINT_EQ && col == t.col_ef()) ef = i;
    else if (c.op == SQLITE_INDEX_CONSTRAINT_EQ && col == t.col_oversample()) oversample = i;
    else if (c.op == SQLITE_INDEX_CONSTRAINT_EQ && col == -1) rowid = i;
    else if (col >= 1 && col <= static_cast<int>(t.n_meta) && !columns[static_cast<size_t>(col - 1)].auxiliary &&
             op_sql(c.op)) {
      const char* coll = sqlite3_vtab_collation(info, i);
      if (!coll || sqlite3_stricmp(coll, "BINARY") == 0) filters.push_back(i);
    }
  }
  std::string plan;
  int argv_index = 0;
  auto use = [&](int i, const std::string& token, bool takes_value = true) {
    if (takes_value) info->aConstraintUsage[i].argvIndex = ++argv_index;
    info->aConstraintUsage[i].omit = 1;
    plan += (plan.empty() ? "" : " ") + token;
  };
  if (match >= 0) {
    info->idxNum = kKnn;
    use(match, "M");
    if (k >= 0) use(k, "K");
    // LIMIT (and OFFSET) stand in for k only when k is not given.
    if (k < 0 && limit >= 0) {
      use(limit, "L");
      if (offset >= 0) use(offset, "O");
    }
    if (mode >= 0) use(mode, "D");
    if (ef >= 0) use(ef, "E");
    if (oversample >= 0) use(oversample, "S");
    for (int i : filters) {
      const auto& c = info->aConstraint[i];
      const bool null_test = c.op == SQLITE_INDEX_CONSTRAINT_ISNULL || c.op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL;
      use(i, std::string(null_test ? "N" : "F") + std::to_string(c.iColumn - 1) + ":" + std::to_string(c.op), !null_test);
    }
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == t.col_distance() && !info->aOrderBy[0].desc)
      info->orderByConsumed = 1;
    info->estimatedCost = 10;
    info->estimatedRows = 10;
  } else if (rowid >= 0) {
    info->idxNum = kPoint;
    use(rowid, "R");
    info->estimatedCost = 1;
    info->estimatedRows = 1;
    info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  } else {
    info->idxNum = kScan;
    info->estimatedCost = 1e6;
    if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == -1 && !info->aOrderBy[0].desc) info->orderByConsumed = 1;
  }
  info->idxStr = sqlite3_mprintf("%s", plan.c_str());
  info->needToFreeIdxStr = 1;
  return SQLITE_OK;
}

int x_open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = &(new Cursor)->base;
  return SQLITE_OK;
}
int x_close(sqlite3_vtab_cursor* c) {
  delete &cursor_of(c);
  return SQLITE_OK;
}

int64_t positive_arg(sqlite3_value* v, const char* name, int64_t max) {
  if (sqlite3_value_type(v) != SQLITE_INTEGER)
    throw UsageError(std::string(name) + " must be an integer in 1.." + std::to_string(max) + "; received '" +
                     value_text(v) + "'");
  const int64_t n = sqlite3_value_int64(v);
  if (n < 1 || n > max)
    throw UsageError(std::string(name) + " is " + std::to_string(n) + "; it must be 1.." + std::to_string(max));
  return n;
}

void run_knn(Table& t, Cursor& cur, const std::string& plan, sqlite3_value** argv) {
  search::KnnRequest req;
  bool have_k = false;
  int64_t limit = 0, offset = 0;
  std::optional<vector::VectorValue> query;
  size_t arg = 0, pos = 0;
  const CollectionSpec& spec = t.collection->spec();
  while (pos < plan.size()) {
    size_t end = plan.find(' ', pos);
    if (end == std::string::npos) end = plan.size();
    const std::string token = plan.substr(pos, end - pos);
    pos = end + 1;
    const char kind = token[0];
    sqlite3_value* v = kind == 'N' ? nullptr : argv[arg++];
    switch (kind) {
      case 'M':
        query = vector_arg(v, spec.type, 0, "the MATCH vector");
        break;
      case 'K':
        req.k = static_cast<size_t>(positive_arg(v, "k", search::kMaxK));
        have_k = true;
        break;
      case 'L': limit = positive_arg(v, "LIMIT", search::kMaxK); break;
      case 'O':
        offset = sqlite3_value_int64(v);
        if (offset < 0) offset = 0;
        break;
      case 'D': req.mode = search::parse_search_mode(value_text(v)); break;
      case 'E': req.ef_search = static_cast<size_t>(positive_arg(v, "ef_search", 100000)); break;
      case 'S':
        if (sqlite3_value_numeric_type(v) != SQLITE_INTEGER && sqlite3_value_numeric_type(v) != SQLITE_FLOAT)
          throw UsageError("oversample must be a number in 1..1000; received '" + value_text(v) + "'");
        req.oversample = sqlite3_value_double(v);
        if (!(req.oversample >= 1)) throw UsageError("oversample is " + value_text(v) + "; it must be 1..1000");
        break;
      case 'F':
      case 'N': {
        const size_t colon = token.find(':');
        const size_t column = std::stoul(token.substr(1, colon - 1));
        const unsigned char op = static_cast<unsigned char>(std::stoi(token.substr(colon + 1)));
        req.filters.push_back({column, op_sql(op), v});
        break;
      }
      default: throw Error("unknown plan token '" + token + "'");
    }
  }
  if (!have_k) {
    if (!limit)
      throw UsageError("a KNN query (MATCH on '" + spec.vector_column +
                       "') needs 'k = N' or 'ORDER BY distance LIMIT N' (SQLite passes LIMIT to virtual tables "
                       "from version 3.41 on; this is " + sqlite3_libversion() + ")");
    if (limit + offset > static_cast<int64_t>(search::kMaxK))
      throw UsageError("LIMIT plus OFFSET is " + std::to_string(limit + offset) + "; at most " +
                       std::to_string(search::kMaxK));
    req.k = static_cast<size_t>(limit + offset);
  }
  req.query = std::move(*query);
  search::KnnResult result = search::knn(*t.collection, req);
  // Written by hand: building an nlohmann::json object here was 7 % of a query's time
  // (10,000 vectors, ef 16; bench/README.md). mode and strategy are plain words.
  std::string shown = "{\"k\":" + std::to_string(req.k) + ",\"mode\":\"" + result.mode + "\"";
  if (!result.note.empty()) shown += ",\"note\":" + nlohmann::json(result.note).dump();
  shown += ",\"rows\":" + std::to_string(result.hits.size()) + ",\"scored\":" + std::to_string(result.scored) +
           ",\"strategy\":\"" + result.strategy + "\",\"table\":" + t.shown_table + "}";
  publish_last(t.collection->store().db(), "vectors", std::move(shown));
  cur.hits = std::move(result.hits);
  cur.knn = true;
}

int x_filter(sqlite3_vtab_cursor* c, int plan, const char* plan_text, int, sqlite3_value** argv) {
  Cursor& cur = cursor_of(c);
  Table& t = table_of(c->pVtab);
  cur.hits.clear();
  cur.at = 0;
  cur.knn = false;
  cur.meta_rowid = -1;
  try {
    search::CollectionStore& store = t.collection->store();
    if (plan == kKnn) {
      run_knn(t, cur, plan_text ? plan_text : "", argv);
    } else if (plan == kPoint) {
      Stmt st(store.db(), "SELECT rowid FROM " + store.shadow("rows") + " WHERE rowid = ?");
      sqlite3_bind_value(st.raw(), 1, argv[0]);
      if (st.step()) cur.hits.push_back({st.int64(0), 0});
    } else {
      Stmt st(store.db(), "SELECT rowid FROM " + store.shadow("rows") + " ORDER BY rowid");
      while (st.step()) cur.hits.push_back({st.int64(0), 0});
    }
    return SQLITE_OK;
  } catch (const std::exception& e) {
    return fail(c->pVtab, e.what());
  }
}

int x_next(sqlite3_vtab_cursor* c) {
  ++cursor_of(c).at;
  return SQLITE_OK;
}
int x_eof(sqlite3_vtab_cursor* c) { return cursor_of(c).at >= cursor_of(c).hits.size(); }
int x_rowid(sqlite3_vtab_cursor* c, sqlite3_int64* out) {
  *out = cursor_of(c).hits[cursor_of(c).at].rowid;
  return SQLITE_OK;
}

int x_column(sqlite3_vtab_cursor* c, sqlite3_context* ctx, int col) {
  Cursor& cur = cursor_of(c);
  Table& t = table_of(c->pVtab);
  const search::Hit& hit = cur.hits[cur.at];
  try {
    if (col == 0) {
      if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;  // an UPDATE that leaves the vector alone
      if (auto v = t.collection->vector_of(hit.rowid))
        sqlite3_result_blob(ctx, v->bytes.data(), static_cast<int>(v->bytes.size()), SQLITE_TRANSIENT);
    } else if (col <= static_cast<int>(t.n_meta)) {
      if (!cur.meta || cur.meta_rowid != hit.rowid) {
        if (!cur.meta) {
          std::string sql = "SELECT ";
          for (size_t i = 0; i < t.n_meta; ++i) sql += (i ? ", m" : "m") + std::to_string(i);
          cur.meta = std::make_unique<Stmt>(t.collection->store().db(),
                                            sql + " FROM " + t.collection->store().shadow("rows") + " WHERE rowid = ?");
        }
        cur.meta->reset();
        cur.meta->bind(1, hit.rowid);
        if (!cur.meta->step()) return SQLITE_OK;
        cur.meta_rowid = hit.rowid;
      }
      sqlite3_result_value(ctx, sqlite3_column_value(cur.meta->raw(), col - 1));
    } else if (col == t.col_distance() && cur.knn) {
      sqlite3_result_double(ctx, hit.distance);
    }
    return SQLITE_OK;
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("hart_vectors: ") + e.what()).c_str(), -1);
    return SQLITE_ERROR;
  }
}

}  // namespace

void vectors_maintenance_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc == 1) {
    const int64_t ms = sqlite3_value_int64(argv[0]);
    if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER || ms < 0 || ms > 3'600'000) {
      sqlite3_result_error(ctx, "hart_vectors_maintenance: the wait is milliseconds, an integer in 0..3600000", -1);
      return;
    }
    search::wait_for_maintenance(std::chrono::milliseconds(ms));
  }
  const std::string json = search::to_json(search::maintenance_status());
  sqlite3_result_text(ctx, json.c_str(), -1, SQLITE_TRANSIENT);
}

namespace {

// 'check' fails with the problems found, as FTS5's 'integrity-check' does.
int run_command(Table& t, const std::string& command) {
  if (command == "seal") {
    t.collection->seal();
  } else if (command == "merge" || command == "optimize") {
    t.collection->merge();
  } else if (command == "rebuild") {
    t.collection->rebuild();
  } else if (command == "check") {
    const std::vector<std::string> problems = t.collection->check();
    if (!problems.empty()) {
      std::string text = std::to_string(problems.size()) + " problem" + (problems.size() == 1 ? "" : "s") + " in " +
                         t.collection->store().table() + ":";
      for (const std::string& p : problems) text += " " + p + ";";
      throw Error(text + " indexes (hnsw, spatial) are mended by INSERT INTO " + t.collection->store().table() + "(" +
                  t.collection->store().table() + ") VALUES ('rebuild'); damaged ids or vectors are lost");
    }
  } else {
    throw UsageError("command '" + command + "' is unknown (known: seal, merge, optimize, rebuild, check)");
  }
  return SQLITE_OK;
}

int x_update(sqlite3_vtab* vt, int argc, sqlite3_value** argv, sqlite3_int64* out_rowid) {
  Table& t = table_of(vt);
  Collection& coll = *t.collection;
  try {
    if (argc == 1) {
      coll.remove(sqlite3_value_int64(argv[0]));
      return SQLITE_OK;
    }
    sqlite3_value** cols = argv + 2;
    if (sqlite3_value_type(cols[t.col_command()]) != SQLITE_NULL)
      return run_command(t, value_text(cols[t.col_command()]));
    for (int hidden : {t.col_distance(), t.col_k(), t.col_mode(), t.col_ef(), t.col_oversample()})
      if (sqlite3_value_type(cols[hidden]) != SQLITE_NULL)
        throw UsageError("distance, k, mode, ef_search and oversample are parts of a KNN query; they cannot be stored");
    const std::span<sqlite3_value* const> metadata(cols + 1, t.n_meta);
    const std::string what = "column '" + coll.spec().vector_column + "'";
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {  // INSERT
      std::optional<int64_t> rowid;
      if (sqlite3_value_type(argv[1]) != SQLITE_NULL) {
        if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER) throw UsageError("rowid must be an integer");
        rowid = sqlite3_value_int64(argv[1]);
      }
      const auto v = vector_arg(cols[0], coll.spec().type, coll.spec().dim, what);
      *out_rowid = coll.insert(rowid, v, metadata);
      return SQLITE_OK;
    }
    // UPDATE
    const int64_t old_rowid = sqlite3_value_int64(argv[0]);
    if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER) throw UsageError("rowid must be an integer");
    std::optional<vector::VectorValue> v;
    if (!sqlite3_value_nochange(cols[0])) v = vector_arg(cols[0], coll.spec().type, coll.spec().dim, what);
    coll.update(old_rowid, sqlite3_value_int64(argv[1]), v, metadata);
    return SQLITE_OK;
  } catch (const std::exception& e) {
    return fail(vt, e.what());
  }
}

int x_rename(sqlite3_vtab* vt, const char* new_name) {
  try {
    table_of(vt).collection->store().rename(new_name);
    table_of(vt).shown_table = nlohmann::json(std::string(new_name)).dump();
    return SQLITE_OK;
  } catch (const std::exception& e) {
    return fail(vt, e.what());
  }
}

int x_shadow_name(const char* suffix) {
  for (const char* s : search::CollectionStore::shadow_suffixes())
    if (sqlite3_stricmp(suffix, s) == 0) return 1;
  return 0;
}

constexpr sqlite3_module kModule = {
    .iVersion = 3, .xCreate = x_create, .xConnect = x_connect, .xBestIndex = x_best_index,
    .xDisconnect = x_disconnect, .xDestroy = x_destroy, .xOpen = x_open, .xClose = x_close,
    .xFilter = x_filter, .xNext = x_next, .xEof = x_eof, .xColumn = x_column, .xRowid = x_rowid,
    .xUpdate = x_update, .xBegin = nullptr, .xSync = nullptr, .xCommit = nullptr, .xRollback = nullptr,
    .xFindFunction = nullptr, .xRename = x_rename, .xSavepoint = nullptr, .xRelease = nullptr,
    .xRollbackTo = nullptr, .xShadowName = x_shadow_name,
};

}  // namespace

const sqlite3_module* vectors_module() { return &kModule; }

}  // namespace hart
