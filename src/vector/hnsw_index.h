// HnswIndex: approximate k-nearest-neighbour search on hnswlib's (0.6.2)
// HierarchicalNSW graph, with the distances computed by our run-time-dispatched kernels
// (distance.h), so one build runs AVX-512, AVX2 or scalar code as the CPU allows.
// hnswlib's own SIMD is chosen at compile time and is not used.
//
// Ids are int64 >= 0 and serve as hnswlib's labels. remove() marks a vector deleted
// (hnswlib's markDelete): it stays in the graph as a waypoint, is never returned, and
// its id may be added again (hnswlib then replaces the vector in place).
//
// Persistence: write() gives the whole index as bytes, read() rebuilds it from them
// and trusts nothing (every count, level, link and id is range-checked; a FormatError
// names the problem). Layout (little-endian):
//
//   offset  size  field
//        0     8  magic "HARTHNSW"
//        8     4  layout version (1)
//       12     4  metric (space.h codes)
//       16     8  dimension
//       24     8  M
//       32     8  ef_construction
//       40     8  ef_search
//       48     8  seed
//       56     8  element count n (live and deleted), < 2^31
//       64     4  max level (int32; -1 when n = 0), at most kMaxLevel
//       68     4  entry point (element number; 0xFFFFFFFF when n = 0)
//       72        n elements, each: id (int64), level L (uint32), deleted (uint8: 0 or 1),
//                 then for each layer 0..L a link count c (uint32; <= 2M on layer 0,
//                 <= M above) and c element numbers (uint32, each < n, of an element
//                 whose level reaches that layer), then dimension float32 values
//
// Memory on read is bounded by the input's size: n is checked against the bytes left
// before anything is allocated, and every layer an element claims costs 4 input bytes,
// so read allocates at most about 260 times the input (M = 256: 1028-byte link lists)
// plus hnswlib's fixed 65536 update locks (2.6 MB). Not thread-safe for add/remove;
// concurrent search() calls are safe while nothing is added or removed.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vector/index_file.h"
#include "vector/vector_index.h"

namespace hart::vector {

struct HnswParams {
  static constexpr size_t kMinM = 2, kMaxM = 256;
  size_t M = 16;                 // links per element above layer 0 (2M on layer 0)
  size_t ef_construction = 200;  // candidates kept while linking a new element
  size_t ef_search = 64;         // candidates kept while searching (at least k)
  uint64_t seed = 100;           // of the level generator
  // A UsageError naming the value and the allowed range when one is out of range.
  void validate() const;
};

class HnswIndex final : public VectorIndex {
 public:
  static constexpr int kMaxLevel = 64;  // hnswlib's level draw cannot exceed 54 for M >= 2
  static constexpr size_t kMaxElements = (size_t{1} << 31) - 1;  // hnswlib's visited lists use int

  // `capacity` elements are allocated up front; add() grows it as needed.
  explicit HnswIndex(const Space& space, HnswParams params = {}, size_t capacity = 0);
  ~HnswIndex() override;
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  const Space& space() const override;
  const HnswParams& params() const;
  size_t size() const override;  // live vectors (removed ones excluded)
  size_t elements() const;       // graph elements, removed ones included
  size_t capacity() const;
  void reserve(size_t n);  // capacity for n graph elements

  // A UsageError when `id` is negative or present, or `v` is the wrong length or not finite.
  void add(int64_t id, std::span<const float> v) override;
  // Adds ids.size() rows (stored back to back in `rows`) on `threads` threads (0: one
  // per core). Everything is checked before the first insert; on an error nothing is added.
  // With more than one thread, which levels elements draw depends on timing.
  void add_batch(std::span<const int64_t> ids, std::span<const float> rows, unsigned threads);
  bool remove(int64_t id) override;
  bool contains(int64_t id) const;

  // k nearest by params().ef_search (ef = max(ef_search, k)), closest first, ties by id.
  std::vector<Neighbor> search(std::span<const float> query, size_t k) const override;
  // The same with ef candidates (ef >= 1; max(ef, k) used).
  std::vector<Neighbor> search(std::span<const float> query, size_t k, size_t ef) const;
  void set_ef_search(size_t ef);  // a UsageError when ef is 0

  // Appends the layout above to `out`. Without vectors (layout version 2) the element
  // records end after their links: for a caller that stores the vectors anyway.
  void write(std::vector<uint8_t>& out, bool with_vectors = true) const;
  size_t serialized_bytes() const;
  // Rebuilds an index from write()'s bytes, searching in `space` (its metric and
  // dimension must match the bytes'); a FormatError naming `what` and the problem.
  // Layout 2 takes each element's vector from `vectors_by_id` (row id of dimension
  // floats, prepared as the space prepares them); an id with no row is a FormatError.
  static std::unique_ptr<HnswIndex> read(std::span<const uint8_t> bytes, const Space& space,
                                         std::string_view what = "hnsw index",
                                         std::span<const float> vectors_by_id = {});

  // An index file (index_file.h) of kind Hnsw whose payload is write()'s bytes.
  void save(const std::string& path) const override;
  static std::unique_ptr<HnswIndex> load(const std::string& path, SimdPath kernels = best_kernel());
  static std::unique_ptr<HnswIndex> load(const IndexFileReader& file, SimdPath kernels);

 private:
  struct Graph;
  explicit HnswIndex(std::unique_ptr<Graph> g);
  std::unique_ptr<Graph> g_;
};

}  // namespace hart::vector
