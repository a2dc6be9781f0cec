// What embed_atoms (atom_vectors.h) runs: an AtomEmbedder turns atoms — their text,
// modality and metadata — into vectors of one dimension, compared by cosine. Two
// kinds, chosen by name in make_atom_embedder, the one place names are registered:
//
//   text, or a stored BERT-family model  a vector::Embedder of the atom's text
//                                        (text_embedder.h, model_embedder.h), adapted;
//                                        queries are words
//   image                                the picture's colour, edge and layout features
//                                        (media/image_features.h, stored at ingest)
//   audio                                the recording's MFCC statistics
//                                        (media/audio_features.h, stored at ingest)
//
// The feature embedders (feature_embedder.h) only read what ingestion stored in
// `atoms.metadata.features` (store/atom_names.h), so embedding decodes nothing and
// the engine needs no media library; their queries are atoms, not words.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/database.h"

namespace hart {

// What an embedder is given of an atom.
struct AtomInput {
  int64_t id = 0;
  std::string modality, subtype;
  std::optional<std::string> text;
  std::string metadata;  // JSON text
};

class AtomEmbedder {
 public:
  virtual ~AtomEmbedder() = default;
  // The dimension of its vectors; 0 when nothing it could embed exists yet (stored
  // features, whose dimension is read from the atoms).
  virtual size_t dim() = 0;
  // One SQL condition on the atoms table, aliased `a`: the atoms it takes. Others are
  // not its business (another modality, a patch) and are neither read nor reported.
  virtual std::string takes_sql() const = 0;
  // An SQL expression on `a` measuring an atom's cost, for progress ("1": atoms).
  virtual std::string cost_sql() const = 0;
  // Rows of dim() floats, one per atom in order. An atom it cannot embed (no stored
  // features, a picture that was not decoded) gets a reason in `errors[i]` (errors is
  // resized to atoms.size(); "" = embedded) and its row is unused.
  virtual std::vector<float> embed(std::span<const AtomInput> atoms, std::vector<std::string>& errors) = 0;
  // A query in words; a UsageError naming what it takes instead when it takes none.
  virtual std::vector<float> embed_words(const std::string& words) = 0;
};

// The built-in names besides stored models, with what each embeds: for help texts.
struct AtomEmbedderName {
  const char* name;
  const char* what;
};
std::span<const AtomEmbedderName> builtin_atom_embedders();

// The embedder called `name`: a built-in one, or a stored BERT-family model; a
// UsageError listing the names otherwise.
std::shared_ptr<AtomEmbedder> make_atom_embedder(Database& db, const std::string& name);

// The atom `atom_id` as `name` embeds it: nullopt when that embedder does not take it
// (another modality); a UsageError saying why when it takes it but cannot embed it, or
// when there is no such atom.
std::optional<std::vector<float>> embed_atom(Database& db, const std::string& name, int64_t atom_id);

// SQL reading an AtomInput's columns (id, modality, subtype, text, metadata) from `a`,
// and the reader of one such row.
std::string atom_input_columns_sql();
AtomInput read_atom_input(Stmt& st, int first_column);

}  // namespace hart
