// Distances for one collection: turns stored vectors (float32, int8, bit) into the
// form the kernels read — floats, scaled to unit length for cosine; packed bits for
// hamming — and scores a query against rows of that form. Internal distances follow
// vector/space.h (squared L2, 1 − a·b); reported() gives what SQL sees (Euclidean L2,
// as sqlite-vec reports it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "search/collection_spec.h"
#include "vector/space.h"

namespace hart::search {

class Scorer {
 public:
  explicit Scorer(const CollectionSpec& spec);

  size_t row_bytes() const { return row_bytes_; }  // one prepared row
  bool bits() const { return !space_; }
  const vector::Space* space() const { return space_ ? &*space_ : nullptr; }

  // A stored vector (packed, the collection's type) → its prepared row at `out`.
  void prepare(const uint8_t* packed, uint8_t* out) const;
  // The same for a query, checking its type and dimension first.
  std::vector<uint8_t> prepare_query(const vector::VectorValue& q) const;

  void distances(const uint8_t* query, const uint8_t* rows, size_t n_rows, float* out) const;
  float distance(const uint8_t* query, const uint8_t* row) const;
  float reported(float internal) const;

 private:
  CollectionSpec spec_;
  std::optional<vector::Space> space_;
  size_t row_bytes_;
};

}  // namespace hart::search
