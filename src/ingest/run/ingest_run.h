// An ingestion run: files and folders walked (walker.h), each file stored in its own
// transaction so an interruption loses at most the file in progress, `sources`
// consulted so unchanged files are skipped without being read, model files handed
// to the model store, and a summary of what deduplication saved and what failed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/atom_store.h"
#include "ingest/dispatch/content_ingester.h"
#include "ingest/run/walker.h"
#include "store/model_ingest.h"

namespace hart {

class Database;
class ProgressSink;

struct ContentRunOptions {
  ContentOptions content;
  std::string model_name;  // name for a model file (only meaningful for a single one)
  // Where progress goes (bytes of the walked files, "n/m files"; a lone model file's
  // own progress nested inside) and failures as they happen; null: nowhere.
  ProgressSink* progress = nullptr;
  // Files extracted at once (0: one per core). With more than one, workers extract
  // into scratch databases and this thread merges them in walk order (scratch_ingest.h).
  unsigned threads = 0;
  // Follow symbolic links that lead outside the given paths (walker.h); off, they are
  // skipped and listed, so an untrusted folder cannot pull in files from elsewhere.
  bool follow_links = false;

  // Throws UsageError naming the option when the options cannot work together for
  // `n_paths` paths. ingest_paths calls it first; front ends may call it earlier.
  void validate(size_t n_paths) const;
};

struct ContentRunReport {
  uint64_t files = 0, files_ingested = 0, files_unchanged = 0;  // ingested: in a committed batch
  uint64_t bytes_read = 0;
  DedupCounters dedup;
  std::vector<ContentIssue> failures;  // stored as binary with the error, or not stored at all
  std::vector<ContentIssue> warnings;  // stored, with something to know (invalid bytes, ...)
  std::vector<ContentIssue> skipped;   // walk problems: loops, broken links, unreadable folders
  std::vector<IngestReport> models;    // one per model file, new or already stored
  uint64_t atoms_freed = 0;            // atoms a changed file no longer uses
  uint64_t ignored = 0;                // excluded by .hartignore
  uint64_t links_skipped = 0;          // links leading outside the paths, not followed (also in skipped)
  std::string stopped;                 // why the run ended before trying every file (a failed COMMIT)
  double seconds = 0;
};

// Walks `paths` (files or folders; a missing one is a UsageError before anything is
// written) and ingests every file found. The database file is never ingested.
ContentRunReport ingest_paths(Database& db, const std::vector<std::string>& paths, const ContentRunOptions& options);

// Ingests the files of an earlier walk (a file that vanished since is a failure).
ContentRunReport ingest_walk(Database& db, const WalkResult& walk, const ContentRunOptions& options);

}  // namespace hart
