// The built-in text embedder: hashed word and character n-grams weighted by TF-IDF
// (vector/text_features.h has the features and the weighting), so a database can
// search by meaning before any model is stored. It needs no weights, only document
// frequencies, which come from the database's own text: every atom with `atoms.text`
// is a document (the rows full-text search indexes, atoms_fts).
//
// The frequencies are a snapshot taken by build_text_embedder_stats() into
// text_embedder_stats / text_embedder_corpus (schema version 8). Embeddings depend on
// them: vectors stored before a rebuild are comparable with queries embedded after it
// only approximately, so re-embed what you keep when you rebuild. With no snapshot
// every feature weighs the same (plain sublinear TF).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "vector/embedder.h"

namespace hart {

inline constexpr size_t kTextEmbedderDefaultDim = 384;
inline constexpr size_t kTextEmbedderMinDim = 16;
inline constexpr size_t kTextEmbedderMaxDim = 8192;

struct TextEmbedderStats {
  uint64_t documents = 0;      // atoms with text when the snapshot was taken
  std::vector<uint32_t> df;    // vector::kFeatureIds entries, or empty (no snapshot)
  std::string built_at;        // "" without a snapshot
};

// Counts, over every atom with text, the documents each feature id occurs in, and
// replaces the stored snapshot with them (one transaction). Returns what it stored.
TextEmbedderStats build_text_embedder_stats(Database& db);

// The stored snapshot (empty when none was built). A snapshot of another feature
// width than this build's is an error naming both.
TextEmbedderStats read_text_embedder_stats(sqlite3* db);

class TextEmbedder : public vector::Embedder {
 public:
  // The database's snapshot; `dim` in [kTextEmbedderMinDim, kTextEmbedderMaxDim].
  explicit TextEmbedder(sqlite3* db, size_t dim = kTextEmbedderDefaultDim);
  explicit TextEmbedder(TextEmbedderStats stats, size_t dim = kTextEmbedderDefaultDim);

  size_t dim() const override { return space_.dim(); }
  const vector::Space& space() const override { return space_; }
  // Unit-length rows (zeros for a text without words); never fails on a text.
  std::vector<float> embed(std::span<const std::string> texts) override;
  std::vector<float> embed_text(std::string_view text) const;
  const TextEmbedderStats& stats() const { return stats_; }

 private:
  TextEmbedderStats stats_;
  vector::Space space_;
};

}  // namespace hart
