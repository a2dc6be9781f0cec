// What turns content into vectors. An Embedder maps texts to vectors of one Space,
// so whatever it produces can go straight into a VectorIndex of that space.
//
// Implementations live in folders that may use models and the store (vector/ uses
// only util/): engine/model_embedder.h runs a stored BERT-family model, as embed() does.
//
// Contract for implementations:
// - dim() == space().dim(), fixed for the embedder's lifetime;
// - embed() returns texts.size() * dim() floats, row i for texts[i], every value
//   finite; the same text gives the same vector (no sampling);
// - a text the embedder cannot take (too long for its context, invalid UTF-8 it does
//   not repair) is an error naming the text's position, not a silent truncation;
// - for Metric::Cosine spaces the rows need not be unit length (Space::prepare
//   normalises them), but model embedders that normalise (sentence-transformers'
//   mean pooling + L2) should say so in their space's metric (InnerProduct is then
//   equivalent and cheaper).
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "vector/space.h"

namespace hart::vector {

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual size_t dim() const = 0;
  virtual const Space& space() const = 0;
  // Row-major: texts.size() rows of dim() floats.
  virtual std::vector<float> embed(std::span<const std::string> texts) = 0;
};

}  // namespace hart::vector
