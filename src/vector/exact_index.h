// Exact (brute-force) k-nearest-neighbour search: every stored vector is compared
// with the query by the space's SIMD distance kernels. The oracle the approximate
// indexes are measured against, and the right choice for small collections.
#pragma once
#include <unordered_map>

#include "vector/index_file.h"
#include "vector/vector_index.h"

namespace hart::vector {

class ExactIndex final : public VectorIndex {
 public:
  explicit ExactIndex(const Space& space);

  const Space& space() const override { return space_; }
  size_t size() const override { return ids_.size(); }
  void add(int64_t id, std::span<const float> v) override;
  bool remove(int64_t id) override;  // the last vector takes the removed one's place
  std::vector<Neighbor> search(std::span<const float> query, size_t k) const override;
  void save(const std::string& path) const override;

  // Reads a file save() wrote, searching with `kernels` (tests and benchmarks compare
  // paths); a FormatError naming the file and the problem when it is damaged.
  static ExactIndex load(const std::string& path, SimdPath kernels = best_kernel());
  // The same from a reader whose header says kind Exact.
  static ExactIndex load(const IndexFileReader& file, SimdPath kernels);

  // The same vectors searched with another kernel path.
  void use_kernels(SimdPath p) { space_ = Space(space_.metric(), space_.dim(), space_.element_type(), p); }
  void reserve(size_t n);
  // The stored (prepared) vector of `id`, or nullptr.
  const float* find(int64_t id) const;

 private:
  Space space_;
  std::vector<int64_t> ids_;
  std::vector<float> data_;  // ids_.size() rows of dim floats
  std::unordered_map<int64_t, size_t> row_of_;
};

}  // namespace hart::vector
