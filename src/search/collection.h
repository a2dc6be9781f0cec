// Writing a vector collection: rows in, out and changed, sealing the writable segment
// into a sealed one and merging sealed segments. Every change runs in the caller's
// transaction (the statement that wrote to the table), so a crash or a rollback
// leaves the collection as it was before that transaction; nothing is half-written.
#pragma once
#include <atomic>
#include <cstdint>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "search/collection_store.h"
#include "search/scorer.h"
#include "vector/vector_value.h"

namespace hart::search {

struct SealReport {
  int64_t segment = 0;  // the new segment (0 when there was nothing to seal or merge)
  size_t vectors = 0, segments_merged = 0, tombstones_dropped = 0;
  size_t changed_meanwhile = 0;  // rows deleted, changed or moved after the plan was read
};

// What a seal or merge will write, as read: the live rows it takes from the writable
// segment (the first `from_fresh` ids) and from the sealed segments it replaces (the
// rest, with the slot each had there).
struct SegmentPlan {
  std::vector<int64_t> ids;
  std::vector<uint8_t> vectors;  // packed, one row per id
  size_t from_fresh = 0;
  std::vector<SegmentRow> sealed;  // with the deletions they had when read
  std::vector<int64_t> old_slots;  // ids.size() - from_fresh, segment by segment
  bool empty() const { return ids.empty() && sealed.empty(); }
};

// The derived parts of a planned segment, computed without the database: the HNSW
// graph (float collections) and, with spatial=1, both 3-D projections and every row's
// coordinates in them.
struct SegmentIndexes {
  std::vector<uint8_t> graph;
  struct Projected {
    std::vector<uint8_t> basis;
    std::vector<std::array<float, 3>> coords;
  };
  std::vector<Projected> projections;  // anchors, then pca
};

class Collection {
 public:
  Collection(sqlite3* db, std::string schema, std::string table, const CollectionSpec& spec);

  CollectionStore& store() { return store_; }
  const CollectionSpec& spec() const { return store_.spec(); }
  const Scorer& scorer() const { return scorer_; }

  // `metadata` holds one value per declared column, in order; a value of the wrong
  // type is an error naming the column. Returns the rowid (next free one when absent).
  int64_t insert(std::optional<int64_t> rowid, const vector::VectorValue& v, std::span<sqlite3_value* const> metadata);
  // False when no such row.
  bool remove(int64_t rowid);
  // Changes the metadata, and the vector when `v` is given (the row moves to the
  // writable segment). `new_rowid` may differ from `rowid`.
  void update(int64_t rowid, int64_t new_rowid, const std::optional<vector::VectorValue>& v,
              std::span<sqlite3_value* const> metadata);

  // The vector as it was stored (not scaled for cosine); nullopt when no such row.
  std::optional<vector::VectorValue> vector_of(int64_t rowid);

  // Seals the writable segment into a new sealed one (search/maintenance.h says when
  // this happens by itself).
  SealReport seal();
  // Merges every sealed segment (and the writable one) into one, dropping tombstones.
  SealReport merge();

  // seal() and merge() in three steps, so that the costly middle one can run outside
  // any transaction (search/maintenance.cpp): read what to write (plan_seal takes the
  // oldest `limit` rows of the writable segment, 0: all), build its indexes, then write
  // it. build() returns nullopt when `cancel` turns true. commit() reconciles the plan
  // with the collection as it is then: a row deleted, changed or sealed elsewhere since
  // the plan was read keeps its slot in the new segment as a tombstone, and is left
  // where it is now. nullopt (nothing written) when a segment the plan merges is gone.
  SegmentPlan plan_seal(size_t limit = 0);
  SegmentPlan plan_merge(const std::vector<SegmentRow>& sealed, bool with_fresh);
  std::optional<SegmentIndexes> build(const SegmentPlan& plan, const std::atomic<bool>* cancel = nullptr) const;
  std::optional<SealReport> commit(const SegmentPlan& plan, const SegmentIndexes& indexes);

  // Every problem found reading every part of every segment back (hashes, sizes,
  // graph structure) and counting the rows that point at each; empty when sound.
  std::vector<std::string> check();
  // Builds every sealed segment's HNSW graph and 3-D projections again from its
  // stored vectors (which must be sound); returns the number of segments.
  size_t rebuild();

 private:
  struct Location {
    int64_t segment, slot;
  };
  std::optional<Location> locate(int64_t rowid);
  // Reads the writable segment's oldest `limit` rows (0: all) into an empty `plan`.
  void read_fresh(SegmentPlan& plan, size_t limit);
  void check_metadata(std::span<sqlite3_value* const> metadata) const;
  // The parts 'hnsw', 'spatial' and 'spatial_pca' and the R*Tree rows of `segment`.
  void write_indexes(int64_t segment, const SegmentIndexes& indexes);

  CollectionStore store_;
  Scorer scorer_;
};

}  // namespace hart::search
