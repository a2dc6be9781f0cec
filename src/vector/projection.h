// The seeds' 3-D view of a vector space, in two variants, for SQLite's R*Tree:
//   anchors: three stored vectors chosen far apart (the farthest from the first row,
//            the farthest from that one, then the one farthest from both); a vector's
//            coordinates are its Euclidean distances to them. By the triangle
//            inequality a point within r of the query lies inside the box of half-width
//            r around the query's coordinates, so a box search never misses a close
//            point (it finds many far ones too);
//   pca:     the mean and the three principal axes (power iteration on the
//            covariance); coordinates are the projections onto them.
// Both keep only 3 of `dim` numbers: their recall is measured, never assumed.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hart::vector {

class Projection3 {
 public:
  enum class Kind : uint8_t { Anchors = 1, Pca = 2 };

  static Projection3 anchors(const float* rows, size_t n, size_t dim);
  static Projection3 pca(const float* rows, size_t n, size_t dim, uint64_t seed = 1);

  Kind kind() const { return kind_; }
  size_t dim() const { return dim_; }
  std::array<float, 3> project(const float* x) const;

  // Stored form: kind (1 byte), 3 padding bytes, dim (uint32), then the basis floats
  // (anchors: 3 rows; pca: mean then 3 axes). from_bytes checks every field.
  std::vector<uint8_t> to_bytes() const;
  static Projection3 from_bytes(std::span<const uint8_t> bytes, size_t expected_dim);

 private:
  Kind kind_ = Kind::Anchors;
  size_t dim_ = 0;
  std::vector<float> basis_;
};

}  // namespace hart::vector
