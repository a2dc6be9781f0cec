// What the last scan of a kind did on a connection, as JSON for a SQL function to
// show: `weights_scan_stats()` (chunks total / skipped / read, rows) and
// `hart_vectors_last_search()` (mode, strategy, distances computed). Tests use them to
// prove pruning and which way a search ran.
#pragma once
#include <cstdint>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

struct ScanStats {
  int64_t chunks_total = 0, chunks_skipped = 0, chunks_read = 0, rows = 0;
};

void publish_scan_stats(sqlite3* db, const ScanStats& s);

// The JSON last published under `kind` on `db` ("{}" when none).
void publish_last(sqlite3* db, const char* kind, std::string json);
std::string last_published(sqlite3* db, const char* kind);

}  // namespace hart
