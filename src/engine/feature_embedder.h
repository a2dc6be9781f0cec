// An atom embedder reading a feature vector stored at ingest: the array
// `atoms.metadata.features.<key>` of atoms of one modality (atom_embedder.h registers
// "image" and "audio"). It takes the modality's atoms that carry the key and those that
// are content of their own (not a thumbnail, patch or frame, which are pieces of
// another atom); one of those without the key is an error naming why: a format that was
// not decoded (`metadata.extracted = false`), or an atom ingested before the features
// existed. An array of another length than the others, a value that is not a finite
// number, or all zeros (silence, a flat picture: no direction to compare) is an error.
// Its dimension is the length of the first stored array found.
#pragma once
#include <string>

#include "engine/atom_embedder.h"

namespace hart {

class FeatureEmbedder : public AtomEmbedder {
 public:
  // `name` (for messages), the atoms' modality, the key under metadata.features.
  FeatureEmbedder(Database& db, std::string name, std::string modality, std::string key);
  size_t dim() override;
  std::string takes_sql() const override;
  std::string cost_sql() const override { return "1"; }
  std::vector<float> embed(std::span<const AtomInput> atoms, std::vector<std::string>& errors) override;
  std::vector<float> embed_words(const std::string& words) override;

 private:
  // One atom's features into `out` (dim() floats), or the reason it has none.
  std::string read(const AtomInput& atom, float* out);
  std::string path() const;  // the JSON path of the features in atoms.metadata

  Database& db_;
  std::string name_, modality_, key_;
  size_t dim_ = 0;
};

}  // namespace hart
