#include "search/scorer.h"

#include <cmath>
#include <cstring>

#include "util/error.h"
#include "vector/quantize.h"

namespace hart::search {
namespace {

vector::Metric metric_of(Distance d) {
  switch (d) {
    case Distance::Cosine: return vector::Metric::Cosine;
    case Distance::Dot: return vector::Metric::InnerProduct;
    default: return vector::Metric::L2;
  }
}

}  // namespace

Scorer::Scorer(const CollectionSpec& spec) : spec_(spec) {
  if (spec.type == vector::VectorType::Bit) {
    row_bytes_ = spec.dim / 8;
  } else {
    space_.emplace(metric_of(spec.distance), spec.dim);
    row_bytes_ = spec.dim * sizeof(float);
  }
}

void Scorer::prepare(const uint8_t* packed, uint8_t* out) const {
  if (!space_) {
    std::memcpy(out, packed, row_bytes_);
    return;
  }
  std::vector<float> values(spec_.dim);
  if (spec_.type == vector::VectorType::Float32) std::memcpy(values.data(), packed, row_bytes_);
  else
    for (size_t i = 0; i < spec_.dim; ++i) values[i] = static_cast<int8_t>(packed[i]);
  space_->prepare(values, reinterpret_cast<float*>(out), "stored vector");
}

std::vector<uint8_t> Scorer::prepare_query(const vector::VectorValue& q) const {
  if (q.type != spec_.type)
    throw UsageError(std::string("the query vector is ") + vector::vector_type_name(q.type) + ", the column '" +
                     spec_.vector_column + "' holds " + vector::vector_type_name(spec_.type));
  if (q.dim != spec_.dim)
    throw UsageError("dimension mismatch: the column '" + spec_.vector_column + "' has " + std::to_string(spec_.dim) +
                     " dimensions, the query vector " + std::to_string(q.dim));
  std::vector<uint8_t> out(row_bytes_);
  prepare(q.bytes.data(), out.data());
  return out;
}

float Scorer::distance(const uint8_t* query, const uint8_t* row) const {
  if (space_) return space_->distance(reinterpret_cast<const float*>(query), reinterpret_cast<const float*>(row));
  const uint64_t differing = vector::hamming(query, row, row_bytes_);
  return static_cast<float>(differing);
}

void Scorer::distances(const uint8_t* query, const uint8_t* rows, size_t n_rows, float* out) const {
  if (space_)
    return space_->distances(reinterpret_cast<const float*>(query), reinterpret_cast<const float*>(rows), n_rows, out);
  for (size_t r = 0; r < n_rows; ++r) out[r] = distance(query, rows + r * row_bytes_);
}

float Scorer::reported(float internal) const {
  return spec_.distance == Distance::L2 ? std::sqrt(std::max(internal, 0.0f)) : internal;
}

}  // namespace hart::search
