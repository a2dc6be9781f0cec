// A vector space: metric, dimension and element type, and the distance kernels
// (distance.h) that serve them. Modelled on hnswlib's SpaceInterface. Distances are
// "smaller is closer" for every metric:
//   L2           squared Euclidean distance, sum (a - b)^2 (as hnswlib and FAISS report it);
//   InnerProduct 1 - a.b (hnswlib's convention; FAISS reports a.b and sorts it descending);
//   Cosine       1 - cos(a, b): vectors are scaled to unit length when added and
//                queried (prepare()), then 1 - a.b; a zero vector stays zero (distance 1
//                to everything).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vector/distance.h"

namespace hart::vector {

// The numbers are the on-disk codes of index files (index_file.h): never renumber.
enum class Metric : uint32_t { L2 = 1, InnerProduct = 2, Cosine = 3 };
enum class ElementType : uint32_t { F32 = 1 };

const char* metric_name(Metric m);  // "l2", "ip", "cosine"
Metric parse_metric(std::string_view name);  // the names above; a UsageError listing them otherwise
const char* element_type_name(ElementType t);  // "f32"

class Space {
 public:
  static constexpr size_t kMaxDim = 65536;

  // A UsageError when dim is 0 or over kMaxDim, or `path` does not run on this CPU.
  Space(Metric metric, size_t dim, ElementType type = ElementType::F32, SimdPath path = best_kernel());

  Metric metric() const { return metric_; }
  size_t dim() const { return dim_; }
  ElementType element_type() const { return type_; }
  SimdPath path() const { return kernels_->path; }
  size_t vector_bytes() const { return dim_ * sizeof(float); }
  std::string describe() const;  // "l2, 128 dims, f32, avx512 kernels"

  // Checks `v` (dim() values, all finite; errors name `what`) and writes its stored
  // form to out[0, dim()): unit length for Cosine, unchanged otherwise.
  void prepare(std::span<const float> v, float* out, std::string_view what) const;

  // Distance between two prepared vectors.
  float distance(const float* a, const float* b) const;
  // Distances from a prepared query to n_rows prepared rows stored back to back.
  void distances(const float* query, const float* rows, size_t n_rows, float* out) const;

  bool same_geometry(const Space& o) const { return metric_ == o.metric_ && dim_ == o.dim_ && type_ == o.type_; }

 private:
  Metric metric_;
  size_t dim_;
  ElementType type_;
  const DistanceKernels* kernels_;
};

}  // namespace hart::vector
