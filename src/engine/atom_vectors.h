// Atoms' vectors: one hart_vectors collection per embedder (atom_vectors_<name>), rowid
// = atom id, with the atom's modality, subtype, source path and time as filter columns:
//
//   CREATE VIRTUAL TABLE atom_vectors_text USING hart_vectors(embedding float[384]
//     distance_metric=cosine, modality text, subtype text, source_path text, created_at text)
//
// Embedders by name (atom_embedder.h): "text" is the built-in text embedder
// (engine/text_embedder.h, needing no weights) and any stored BERT-family model
// (model_embedder.h) embed atoms' text (passages, OCR, transcripts, captions), so
// pictures and recordings are found through what was read or heard in them; "image"
// and "audio" embed the features ingestion stored for pictures and recordings, for
// similarity within that modality. embed_atoms is incremental and resumable: each batch
// commits on its own, and a run embeds only atoms its collection does not hold yet.
// An atom the embedder takes but cannot embed is counted and named in the report,
// and left out (the next run tries it again). The collection's table is
// created through SQL, so the connection must have the SQL surface registered.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "store/database.h"
#include "util/progress.h"
#include "vector/embedder.h"

namespace hart {

inline constexpr const char* kBuiltinTextEmbedder = "text";

// "atom_vectors_" + the name with every character outside [A-Za-z0-9_] as '_'.
std::string atom_collection(const std::string& embedder);
// The embedder called `name`: "text", or a stored BERT-family model; a UsageError
// naming the name and what exists otherwise. The text embedder is kept per database
// file and statistics snapshot, since reading its statistics costs more than a query.
std::shared_ptr<vector::Embedder> make_embedder(Database& db, const std::string& name);

// SQL for the path an atom was ingested from: its own `sources` row, or its parent's
// (a passage's file). `alias` names the atoms table in the query.
std::string atom_source_path_sql(const std::string& alias);

struct EmbedAtomsOptions {
  std::string embedder = kBuiltinTextEmbedder;
  std::string modality;  // "" = every modality
  size_t batch = 256;    // atoms per transaction (1..100000)
};

// An atom the embedder takes but could not embed (a picture not decoded at ingest...).
struct EmbedFailure {
  int64_t atom_id;
  std::string source_path;  // "" when it has none
  std::string reason;
};
inline constexpr size_t kMaxReportedFailures = 20;

struct EmbedAtomsReport {
  std::string collection;
  size_t embedded = 0, already = 0;  // this run; held before it
  size_t failed = 0;                 // taken but not embedded; the first kMaxReportedFailures named below
  std::vector<EmbedFailure> failures;
  bool stats_built = false;          // the text embedder's statistics were built first
};

EmbedAtomsReport embed_atoms(Database& db, const EmbedAtomsOptions& options, ProgressSink* progress = nullptr);

}  // namespace hart
