// Writing a vector collection: rows in, out and changed, sealing the writable segment
// into a sealed one and merging sealed segments. Every change runs in the caller's
// transaction (the statement that wrote to the table), so a crash or a rollback
// leaves the collection as it was before that transaction; nothing is half-written.
#pragma once
#include <cstdint>
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

  // Seals the writable segment into a new sealed one; done by insert() when the
  // writable segment reaches the spec's seal_threshold.
  SealReport seal();
  // Merges every sealed segment (and the writable one) into one, dropping tombstones.
  SealReport merge();

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
  void check_metadata(std::span<sqlite3_value* const> metadata) const;
  int64_t write_segment(const std::vector<int64_t>& ids, const std::vector<uint8_t>& packed);
  // The derived parts of a float segment: projections, R*Tree rows, the HNSW graph.
  void write_indexes(int64_t segment, const std::vector<int64_t>& ids, const std::vector<uint8_t>& packed);
  // The segment's 3-D projections (parts 'spatial' and 'spatial_pca') and their R*Tree
  // rows, from its prepared rows.
  void write_projections(int64_t segment, const std::vector<int64_t>& ids, const std::vector<float>& rows);

  CollectionStore store_;
  Scorer scorer_;
};

}  // namespace hart::search
