// Content ingestion as a loadable module: the media libraries it links (Poppler,
// FFmpeg, Tesseract, ...) are loaded only by a process that ingests. `hart` opens
// hart-ingest.so from its own folder (cli/modules.h) and calls through this table.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/run/ingest_run.h"
#include "store/database.h"

namespace hart {

inline constexpr char kIngestModuleFile[] = "hart-ingest.so";
inline constexpr char kIngestModuleSymbol[] = "hart_ingest_module";

// Both sides were built from the same sources when these sizes agree; a module left
// over from another build is refused instead of misreading the structures it is given.
struct IngestModuleAbi {
  size_t database = sizeof(Database);
  size_t options = sizeof(ContentRunOptions);
  size_t report = sizeof(ContentRunReport);
  bool operator==(const IngestModuleAbi&) const = default;
};

struct IngestModule {
  IngestModuleAbi abi;
  ContentRunReport (*ingest_paths)(Database& db, const std::vector<std::string>& paths,
                                   const ContentRunOptions& options);
};

}  // namespace hart
