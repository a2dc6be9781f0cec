#include "search/collection_store.h"

#include <cstring>
#include <random>

#include "util/error.h"
#include "util/sha256.h"

namespace hart::search {
namespace {

const char* sql_type(ColumnKind k) {
  switch (k) {
    case ColumnKind::Text: return "TEXT";
    case ColumnKind::Integer: return "INTEGER";
    case ColumnKind::Float: return "REAL";
    case ColumnKind::Boolean: return "INTEGER";
  }
  return "";
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw Error(msg);
  }
}

}  // namespace

int64_t random_stamp() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t v = 0;
  while (v == 0) v = static_cast<int64_t>(rng() >> 1);
  return v;
}

CollectionStore::CollectionStore(sqlite3* db, std::string schema, std::string table, const CollectionSpec& spec)
    : db_(db), schema_(std::move(schema)), table_(std::move(table)), spec_(spec) {
  if (!is_identifier(table_))
    throw UsageError("'" + table_ + "' is not a name a vector collection can have (letters, digits and _)");
}

Prepared CollectionStore::prepared(const std::string& sql) {
  auto& st = statements_[sql];
  if (!st) st = std::make_unique<Stmt>(db_, sql);
  return Prepared(*st);
}

const std::vector<const char*>& CollectionStore::shadow_suffixes() {
  static const std::vector<const char*> kSuffixes = {"info", "rows", "fresh", "segments", "chunks", "tombstones"};
  return kSuffixes;
}

const std::vector<const char*>& CollectionStore::owned_suffixes() {
  static const std::vector<const char*> kSuffixes = {"info",       "rows",    "fresh",      "segments",
                                                     "chunks",     "tombstones", "spatial", "spatial_pca"};
  return kSuffixes;
}

std::string CollectionStore::shadow(const char* suffix) const {
  return quote_identifier(schema_) + "." + quote_identifier(table_ + "_" + suffix);
}

std::string CollectionStore::file() const {
  const char* f = sqlite3_db_filename(db_, schema_.c_str());
  return f ? f : "";
}

void CollectionStore::create() {
  std::string rows = "CREATE TABLE " + shadow("rows") +
                     "(rowid INTEGER PRIMARY KEY, segment INTEGER NOT NULL, slot INTEGER";
  for (size_t i = 0; i < spec_.columns.size(); ++i)
    rows += ", m" + std::to_string(i) + " " + sql_type(spec_.columns[i].kind);
  rows += ")";
  exec(db_, "CREATE TABLE " + shadow("info") + "(key TEXT PRIMARY KEY, value)");
  exec(db_, "INSERT INTO " + shadow("info") + " VALUES ('format', 1)");
  exec(db_, rows);
  create_indexes();
  exec(db_, "CREATE TABLE " + shadow("fresh") + "(rowid INTEGER PRIMARY KEY, vector BLOB NOT NULL)");
  exec(db_, "CREATE TABLE " + shadow("segments") +
                "(id INTEGER PRIMARY KEY, n_vectors INTEGER NOT NULL, n_deleted INTEGER NOT NULL DEFAULT 0, "
                "stamp INTEGER NOT NULL, index_kind TEXT NOT NULL DEFAULT '', index_params TEXT NOT NULL DEFAULT '{}', "
                "created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')))");
  Stmt(db_, "INSERT INTO " + shadow("segments") + "(id, n_vectors, stamp) VALUES (0, 0, ?)").bind(1, random_stamp()).run();
  exec(db_, "CREATE TABLE " + shadow("chunks") +
                "(id INTEGER PRIMARY KEY, segment INTEGER NOT NULL, part TEXT NOT NULL, ordinal INTEGER NOT NULL, "
                "sha256 BLOB NOT NULL, data BLOB NOT NULL, UNIQUE(segment, part, ordinal))");
  exec(db_, "CREATE TABLE " + shadow("tombstones") + "(segment INTEGER, slot INTEGER, PRIMARY KEY(segment, slot)) WITHOUT ROWID");
  if (spec_.has_spatial())
    for (bool pca : {false, true})
      exec(db_, "CREATE VIRTUAL TABLE " + shadow(spatial_table(pca)) + " USING rtree(id, s0, s1, x0, x1, y0, y1, z0, z1)");
}

std::vector<std::string> CollectionStore::index_names() const {
  std::vector<std::string> out = {table_ + "_rows_slot"};
  for (size_t i = 0; i < spec_.columns.size(); ++i)
    if (!spec_.columns[i].auxiliary) out.push_back(table_ + "_rows_m" + std::to_string(i));
  return out;
}

void CollectionStore::create_indexes() {
  // A renamed collection keeps its indexes' names (SQLite cannot rename an index, and
  // xRename may not drop one), so a name may be taken: then a random suffix is added.
  std::vector<std::string> names = index_names();
  for (std::string& name : names) {
    Stmt taken(db_, "SELECT 1 FROM " + quote_identifier(schema_) + ".sqlite_master WHERE name = ?");
    taken.bind(1, std::string_view(name));
    if (taken.step()) name += "_" + std::to_string(random_stamp() % 1000000007);
  }
  exec(db_, "CREATE INDEX " + quote_identifier(schema_) + "." + quote_identifier(names[0]) + " ON " + quote_identifier(table_ + "_rows") + "(segment, slot)");
  // Filtered searches look metadata up by value: one index per filterable column.
  for (size_t n = 1, i = 0; i < spec_.columns.size(); ++i)
    if (!spec_.columns[i].auxiliary)
      exec(db_, "CREATE INDEX " + quote_identifier(schema_) + "." + quote_identifier(names[n++]) + " ON " + quote_identifier(table_ + "_rows") + "(m" +
                    std::to_string(i) + ")");
}

void CollectionStore::destroy() {
  statements_.clear();
  for (const char* s : owned_suffixes()) exec(db_, "DROP TABLE IF EXISTS " + shadow(s));
}

void CollectionStore::rename(const std::string& new_table) {
  statements_.clear();  // their SQL names the old tables
  if (!is_identifier(new_table))
    throw UsageError("'" + new_table + "' is not a name a vector collection can have (letters, digits and _)");
  for (const char* s : owned_suffixes())
    if (spec_.has_spatial() || std::string_view(s).substr(0, 7) != "spatial")
      exec(db_, "ALTER TABLE " + shadow(s) + " RENAME TO " + quote_identifier(new_table + "_" + s));
  table_ = new_table;
}

std::vector<SegmentRow> CollectionStore::segments() {
  // Read once per data version: inside a read transaction (every KNN query's own
  // statement opens one) with no write open here, the file's data version changes with
  // any commit, this connection's or another's, so an unchanged one means unchanged
  // rows. Reading the table each query was 6 % of a query at 10,000 vectors.
  unsigned version = 0;
  const bool cacheable = sqlite3_txn_state(db_, schema_.c_str()) == SQLITE_TXN_READ &&
                         sqlite3_file_control(db_, schema_.c_str(), SQLITE_FCNTL_DATA_VERSION, &version) == SQLITE_OK;
  if (cacheable && segments_version_ == version) return segments_;
  segments_version_.reset();
  Prepared st = prepared("SELECT id, n_vectors, n_deleted, stamp, index_kind, index_params FROM " + shadow("segments") +
                         " ORDER BY id");
  std::vector<SegmentRow> out;
  while (st.step()) out.push_back({st.int64(0), st.int64(1), st.int64(2), st.int64(3), st.text(4), st.text(5)});
  if (out.empty() || out[0].id != kWritableSegment)
    throw FormatError("vector collection " + table_ + ": its writable segment (row 0 of " + table_ +
                      "_segments) is missing");
  if (cacheable) {
    segments_ = out;
    segments_version_ = version;
  }
  return out;
}

SegmentRow CollectionStore::segment(int64_t id) {
  Prepared st = prepared("SELECT id, n_vectors, n_deleted, stamp, index_kind, index_params FROM " + shadow("segments") +
                         " WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) throw Error("vector collection " + table_ + ": no segment " + std::to_string(id));
  return {st.int64(0), st.int64(1), st.int64(2), st.int64(3), st.text(4), st.text(5)};
}

std::vector<uint8_t> CollectionStore::read_part(int64_t segment, const char* part, size_t expected_bytes) {
  auto damaged = [&](const std::string& why) {
    return FormatError("vector collection " + table_ + ": segment " + std::to_string(segment) + "'s " + part +
                       " are damaged: " + why);
  };
  Stmt st(db_, "SELECT ordinal, sha256, data FROM " + shadow("chunks") + " WHERE segment = ? AND part = ? ORDER BY ordinal");
  st.bind(1, segment).bind(2, std::string_view(part));
  std::vector<uint8_t> out;
  out.reserve(expected_bytes);
  int64_t expected_ordinal = 0;
  while (st.step()) {
    const int64_t ordinal = st.int64(0);
    if (ordinal != expected_ordinal) throw damaged("chunk " + std::to_string(expected_ordinal) + " is missing");
    const size_t n = st.bytes(2);
    if (out.size() + n > expected_bytes || n > kChunkBytes)
      throw damaged("chunk " + std::to_string(ordinal) + " runs past the " + std::to_string(expected_bytes) +
                    " bytes the segment holds");
    const auto* data = static_cast<const uint8_t*>(st.blob(2));
    const Sha256Digest digest = sha256(data, n);
    if (st.bytes(1) != digest.size() || std::memcmp(st.blob(1), digest.data(), digest.size()) != 0)
      throw damaged("chunk " + std::to_string(ordinal) + " does not match its SHA-256");
    out.insert(out.end(), data, data + n);
    ++expected_ordinal;
  }
  if (out.size() != expected_bytes)
    throw damaged("they hold " + std::to_string(out.size()) + " bytes, the segment needs " + std::to_string(expected_bytes));
  return out;
}

std::vector<uint8_t> CollectionStore::read_part_range(int64_t segment, const char* part, uint64_t begin, size_t n) {
  const int64_t first = static_cast<int64_t>(begin / kChunkBytes), last = static_cast<int64_t>((begin + n - 1) / kChunkBytes);
  Stmt st(db_, "SELECT ordinal, sha256, data FROM " + shadow("chunks") +
                   " WHERE segment = ? AND part = ? AND ordinal BETWEEN ? AND ? ORDER BY ordinal");
  st.bind(1, segment).bind(2, std::string_view(part)).bind(3, first).bind(4, last);
  std::vector<uint8_t> joined;
  int64_t expected = first;
  while (st.step()) {
    const auto* data = static_cast<const uint8_t*>(st.blob(2));
    const size_t size = st.bytes(2);
    const Sha256Digest digest = sha256(data, size);
    if (st.int64(0) != expected || (st.int64(0) < last && size != kChunkBytes) || st.bytes(1) != digest.size() ||
        std::memcmp(st.blob(1), digest.data(), digest.size()) != 0)
      throw FormatError("vector collection " + table_ + ": segment " + std::to_string(segment) + "'s " + part +
                        " are damaged: chunk " + std::to_string(expected) + " is missing, short or does not match its SHA-256");
    joined.insert(joined.end(), data, data + size);
    ++expected;
  }
  const uint64_t offset = begin - static_cast<uint64_t>(first) * kChunkBytes;
  if (expected != last + 1 || offset + n > joined.size())
    throw FormatError("vector collection " + table_ + ": segment " + std::to_string(segment) + "'s " + part +
                      " end before byte " + std::to_string(begin + n));
  return std::vector<uint8_t>(joined.begin() + static_cast<ptrdiff_t>(offset),
                              joined.begin() + static_cast<ptrdiff_t>(offset + n));
}

void CollectionStore::write_part(int64_t segment, const char* part, std::span<const uint8_t> bytes) {
  Stmt st(db_, "INSERT INTO " + shadow("chunks") + "(segment, part, ordinal, sha256, data) VALUES (?, ?, ?, ?, ?)");
  int64_t ordinal = 0;
  for (size_t at = 0; at < bytes.size(); at += kChunkBytes, ++ordinal) {
    const size_t n = std::min(kChunkBytes, bytes.size() - at);
    const Sha256Digest digest = sha256(bytes.data() + at, n);
    st.bind(1, segment).bind(2, std::string_view(part)).bind(3, ordinal);
    st.bind_blob(4, digest.data(), digest.size()).bind_blob(5, bytes.data() + at, n);
    st.run();
  }
}

void CollectionStore::delete_segment_data(int64_t segment) {
  for (const char* s : {"chunks", "tombstones"})
    Stmt(db_, "DELETE FROM " + shadow(s) + " WHERE segment = ?").bind(1, segment).run();
  if (spec_.has_spatial())
    for (bool pca : {false, true})
      Stmt(db_, "DELETE FROM " + shadow(spatial_table(pca)) + " WHERE s0 >= ?1 AND s1 <= ?1").bind(1, segment).run();
  Stmt(db_, "DELETE FROM " + shadow("segments") + " WHERE id = ?").bind(1, segment).run();
}

std::vector<int64_t> CollectionStore::tombstones(int64_t segment) {
  Prepared st = prepared("SELECT slot FROM " + shadow("tombstones") + " WHERE segment = ?");
  st.bind(1, segment);
  std::vector<int64_t> out;
  while (st.step()) out.push_back(st.int64(0));
  return out;
}

void CollectionStore::touch_segment(int64_t id, int64_t added, int64_t deleted) {
  prepared("UPDATE " + shadow("segments") +
                " SET n_vectors = n_vectors + ?, n_deleted = n_deleted + ?, "
                "stamp = CASE WHEN id = 0 THEN ? ELSE stamp END WHERE id = ?")
      .bind(1, added)
      .bind(2, deleted)
      .bind(3, random_stamp())
      .bind(4, id)
      .run();
}

int64_t CollectionStore::next_rowid() {
  Prepared st = prepared("SELECT coalesce(max(rowid), 0) + 1 FROM " + shadow("rows"));
  st.step();
  return st.int64(0);
}

}  // namespace hart::search
