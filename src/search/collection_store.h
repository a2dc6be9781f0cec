// The rows of one vector collection, in shadow tables named after it (as FTS5 and
// sqlite-vec keep theirs), so a collection lives in any SQLite file:
//
//   X_info(key, value)            format version
//   X_rows(rowid, segment, slot, m0, m1, ...)   every row: where its vector is, and
//                                 its metadata (m<i> is the i-th declared column)
//   X_fresh(rowid, vector)        the writable segment (segment 0): one row per vector
//   X_segments(id, n_vectors, n_deleted, stamp, index_kind, index_params, created_at)
//                                 segment 0 is the writable one; others are sealed
//   X_chunks(segment, part, ordinal, sha256, data)   a sealed segment's parts ('ids',
//                                 'vectors', 'index') in pieces of at most 64 KiB
//   X_tombstones(segment, slot)   rows deleted from sealed segments
//   X_spatial, X_spatial_pca      SQLite R*Trees (id = segment << 32 | slot, s0 = s1 = segment, then
//                                 the 3-D box x0..z1) of the sealed rows' projections
//                                 (vector/projection.h); with the option spatial=1 only
//
// A sealed segment never changes: its `stamp` (random, new at every seal or merge)
// names its content, so a cache keyed by it (segment_cache.h) is never stale. Every
// change to the writable segment gives segment 0 a new stamp too.
#pragma once
#include <cstdint>
#include <span>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "search/collection_spec.h"
#include "store/database.h"

namespace hart::search {

constexpr size_t kChunkBytes = 65536;
constexpr int64_t kWritableSegment = 0;

// A statement prepared once per collection and connection, reset when this handle
// goes (so no read stays open between uses). Same interface as Stmt.
class Prepared {
 public:
  explicit Prepared(Stmt& st) : st_(&st) {}
  Prepared(Prepared&& o) noexcept : st_(o.st_) { o.st_ = nullptr; }
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  ~Prepared() {
    if (st_) st_->reset();
  }
  Stmt& bind(int i, int64_t v) { return st_->bind(i, v); }
  Stmt& bind(int i, double v) { return st_->bind(i, v); }
  Stmt& bind(int i, std::string_view v) { return st_->bind(i, v); }
  Stmt& bind_blob(int i, const void* data, size_t n) { return st_->bind_blob(i, data, n); }
  bool step() { return st_->step(); }
  void run() { st_->run(); }
  void reset() { st_->reset(); }
  int64_t int64(int col) const { return st_->int64(col); }
  double real(int col) const { return st_->real(col); }
  std::string text(int col) const { return st_->text(col); }
  bool is_null(int col) const { return st_->is_null(col); }
  const void* blob(int col) const { return st_->blob(col); }
  size_t bytes(int col) const { return st_->bytes(col); }
  sqlite3_stmt* raw() const { return st_->raw(); }

 private:
  Stmt* st_;
};

struct SegmentRow {
  int64_t id = 0, n_vectors = 0, n_deleted = 0, stamp = 0;
  std::string index_kind, index_params;  // "" / "{}" when the segment has no ANN index
};

class CollectionStore {
 public:
  // `schema` is the database ("main", "temp" or an attached name), `table` the
  // collection's name; both are checked identifiers.
  CollectionStore(sqlite3* db, std::string schema, std::string table, const CollectionSpec& spec);

  sqlite3* db() const { return db_; }
  // `sql`, prepared on first use and kept until the collection is closed or renamed.
  // One use at a time per statement: the handle resets it when it goes.
  Prepared prepared(const std::string& sql);
  const CollectionSpec& spec() const { return spec_; }
  const std::string& table() const { return table_; }
  // "schema"."table_suffix", quoted, for SQL text.
  std::string shadow(const char* suffix) const;
  // The file this collection is in ("" for an in-memory or temporary database).
  std::string file() const;

  // Every table the collection owns (dropped and renamed with it), and the plain ones
  // among them, which SQLite protects as shadow tables (the R*Trees are virtual).
  static const std::vector<const char*>& owned_suffixes();
  static const std::vector<const char*>& shadow_suffixes();
  static const char* spatial_table(bool pca) { return pca ? "spatial_pca" : "spatial"; }
  void create();   // the shadow tables and indexes (xCreate)
  void destroy();  // drops them (xDestroy)
  void rename(const std::string& new_table);

  std::vector<SegmentRow> segments();  // id order; segment 0 first
  SegmentRow segment(int64_t id);

  // Chunks of one part of a sealed segment, concatenated; each chunk's SHA-256 and
  // the ordinals' continuity are checked. A FormatError naming the segment, part
  // and chunk when damaged; `expected_bytes` must match the total.
  std::vector<uint8_t> read_part(int64_t segment, const char* part, size_t expected_bytes);
  // Bytes [begin, begin + n) of a part, reading only the chunks that hold them (every
  // chunk but a part's last is kChunkBytes long), each checked as read_part does.
  std::vector<uint8_t> read_part_range(int64_t segment, const char* part, uint64_t begin, size_t n);
  void write_part(int64_t segment, const char* part, std::span<const uint8_t> bytes);
  void delete_segment_data(int64_t segment);  // chunks, tombstones and the row

  // Slots of `segment` that are deleted.
  std::vector<int64_t> tombstones(int64_t segment);

  // Counts `added` vectors and `deleted` tombstones in segment `id`; the writable
  // segment also gets a new stamp (a sealed one keeps its own: tombstones are read apart).
  void touch_segment(int64_t id, int64_t added, int64_t deleted);
  int64_t next_rowid();

 private:
  std::vector<std::string> index_names() const;
  void create_indexes();

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> statements_;
  // segments() as last read inside a read transaction, and the data version then.
  std::vector<SegmentRow> segments_;
  std::optional<unsigned> segments_version_;
  std::string schema_, table_;
  CollectionSpec spec_;
};

// A random non-zero 63-bit value.
int64_t random_stamp();

// The R*Tree id of a sealed row: unique even when a rowid is deleted and stored again.
inline int64_t spatial_id(int64_t segment, size_t slot) { return segment << 32 | static_cast<int64_t>(slot); }

}  // namespace hart::search
