// The interface every vector index implements (modelled on hnswlib's
// AlgorithmInterface): vectors with 64-bit ids in one Space, k-nearest search, and a
// file of its own. ExactIndex (exact_index.h) is the brute-force one and the oracle
// the approximate ones are measured against.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vector/space.h"

namespace hart::vector {

struct Neighbor {
  int64_t id;
  float distance;  // the space's distance (space.h): smaller is closer
  bool operator==(const Neighbor&) const = default;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual const Space& space() const = 0;
  size_t dim() const { return space().dim(); }
  virtual size_t size() const = 0;

  // Stores `v` under `id`: a UsageError naming the id when it is already present, or
  // when `v` has the wrong length or a value that is not finite.
  virtual void add(int64_t id, std::span<const float> v) = 0;
  // Removes `id`; false when it is not present.
  virtual bool remove(int64_t id) = 0;
  // The min(k, size()) nearest vectors to `query`, closest first; equal distances in
  // ascending id order. Safe to call from several threads while nothing is added or removed.
  virtual std::vector<Neighbor> search(std::span<const float> query, size_t k) const = 0;

  // Writes the index to `path` (appearing under that name only when complete).
  virtual void save(const std::string& path) const = 0;
};

// Reads any index file (index_file.h says which kind it holds); a FormatError naming
// the file and the problem when it is damaged. Kernels: the best this CPU runs.
std::unique_ptr<VectorIndex> load_vector_index(const std::string& path);

}  // namespace hart::vector
