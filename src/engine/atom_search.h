// Finding atoms: by meaning (a vector collection of their text, atom_vectors.h), by
// words (FTS5's BM25 over atoms_fts), or both fused by reciprocal rank
// (search/fusion.h). What search() in SQL and `hart search` run.
//
// A query is words (embedded by the embedder: atom_embedder.h), a vector, or an atom
// (`like_atom`: "more like this", the only query the image and audio embedders take).
//
// Modes: the collection's own (auto, exact, ann, int8, binary, spatial, spatial_pca,
// hybrid, hybrid_pca: search/knn.h), "fts", and "fused" (BM25 and the collection's
// auto mode, each asked for max(k, 50) rows). `where` is an SQL condition on the
// columns modality, subtype, source_path and created_at, applied inside each search so
// k rows come back whenever k rows qualify.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite_api.h"

namespace hart {

struct AtomSearchRequest {
  std::string text;                   // words; or
  std::optional<std::string> vector;  // a float32 BLOB (vector modes only); or
  std::optional<int64_t> like_atom;   // an atom, as the embedder embeds it (vector modes;
                                      // the atom itself is left out of the answer)
  size_t k = 10;
  std::string mode = "auto";
  std::string embedder = "text";
  std::string where;  // "" = every atom
  double fts_weight = 1, vector_weight = 1;  // of the fused lists
};

struct AtomHit {
  int64_t atom_id;
  size_t rank;                     // 1 = best
  std::optional<double> distance;  // vector modes
  double score;                    // higher is better: 1 - distance, -bm25, or the fused score
  std::string found_by;            // the mode that ran: ann, exact, fts, fused, ...
};

constexpr size_t kMaxSearchK = 10000;

std::vector<AtomHit> search_atoms(sqlite3* db, const AtomSearchRequest& request);

}  // namespace hart
