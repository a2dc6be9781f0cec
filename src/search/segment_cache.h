// Sealed segments in memory, loaded once per process and shared by every query and
// connection that reads them. A segment is read from its chunks on first use (ids and
// vectors, each chunk's SHA-256 checked) and kept, least recently used first out, up to
// HART_VECTOR_CACHE_MB (default 4096) megabytes. The key includes the segment's stamp,
// which changes whenever its content could, so an entry is never stale.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "search/collection_store.h"
#include "search/scorer.h"
#include "vector/hnsw_index.h"
#include "vector/projection.h"
#include "vector/quantize.h"

namespace hart::search {

class AnnSegmentIndex;

struct SegmentData {
  int64_t id = 0, stamp = 0;
  size_t n = 0, row_bytes = 0;
  std::vector<int64_t> ids;   // slot → rowid
  std::vector<uint8_t> rows;  // n prepared rows (scorer.h), slot order
  const uint8_t* row(size_t slot) const { return rows.data() + slot * row_bytes; }
  size_t memory_bytes() const { return ids.size() * sizeof(int64_t) + rows.size(); }

  // Codes for the quantized modes, made from the float rows on first use.
  const vector::Int8Codes& int8_codes() const;
  const vector::BinaryCodes& binary_codes() const;

  // The 3-D projections stored with the segment (float collections), and the box
  // holding every row's coordinates (computed on first use).
  vector::Projection3 projection[2];  // [0] anchors, [1] pca
  struct Box {
    float lo[3], hi[3];
  };
  const Box& extent(bool pca) const;

  // The segment's HNSW graph (ann_segment.h), read from `store` on first use; nullptr
  // when the segment has none. A damaged graph (a chunk's SHA-256, or its structure) is
  // never trusted: it is rebuilt from the rows, and index_note() says why.
  const vector::HnswIndex* hnsw(CollectionStore& store, const SegmentRow& row, const Scorer& scorer) const;
  std::string index_note() const;

 private:
  mutable std::once_flag int8_once_, binary_once_, extent_once_[2], hnsw_once_;
  mutable std::unique_ptr<vector::HnswIndex> hnsw_;
  mutable std::string index_note_;
  mutable vector::Int8Codes int8_;
  mutable vector::BinaryCodes binary_;
  mutable Box extent_[2];
};

// The segment described by `row`, from the cache or read now.
std::shared_ptr<const SegmentData> cached_segment(CollectionStore& store, const Scorer& scorer, const SegmentRow& row);


}  // namespace hart::search
