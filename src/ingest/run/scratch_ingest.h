// Parallel ingest, the two halves. A worker thread extracts one file into a private
// scratch database of its own (the same extractors, the same schema), consulting the
// main database read-only so known content is not extracted again. The thread that
// owns the main database then copies the file's new atoms and relations across in
// one transaction, in walk order: the result is the one a serial run gives. Only
// content whose extraction is dear (pictures, sound, video, PDF, office documents,
// archives) goes through a worker; copying a text's passages across would cost as
// much as cutting them.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "store/atom_store.h"
#include "ingest/dispatch/content_ingester.h"
#include "ingest/run/walker.h"
#include "store/database.h"

namespace hart {

// Larger files are stored by the owning thread: a scratch copy of a 4 GB video, for
// each file waiting to be merged, would cost its size again in $TMPDIR.
inline constexpr uint64_t kMaxScratchFileBytes = 256ull << 20;

// One file as a worker left it.
struct ScratchFile {
  std::unique_ptr<Database> scratch;  // null unless extracted
  int64_t root = 0;                   // the file's atom in `scratch`
  std::unordered_set<int64_t> stand_ins;
  std::vector<ContentIssue> issues;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  // Left to the owning thread: model files (the model store maps the file), content
  // that costs less to extract than to merge (text, binary, empty), files over
  // kMaxScratchFileBytes.
  bool store_here = false;
  std::optional<ContentType> type;  // as sniffed, when it was
  std::string error;      // the file could not be read
};

// A worker thread's extractor: its own libmagic handle and read-only connection.
class ScratchExtractor {
 public:
  ScratchExtractor(const std::string& main_path, const ContentOptions& options);
  ~ScratchExtractor();
  ScratchFile extract(const WalkEntry& entry);  // never throws

 private:
  struct Lookup;
  const ContentOptions& options_;
  ContentSniffer sniffer_;
  std::unique_ptr<Lookup> lookup_;
};

// Thrown by merge_scratch when an atom the worker took as known is no longer in the
// main database (a changed file released it meanwhile): ingest the file again.
struct StandInGone : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Copies the file's atoms that `main` lacks, and their relations, into it (inside
// the caller's transaction; counters as if they had been stored directly). Returns
// the main database's id of the file's atom.
int64_t merge_scratch(ScratchFile& file, AtomStore& main);

}  // namespace hart
