// What the last `weights` scan on a connection did: how many chunks its tensors
// have, how many the zone maps let it skip, how many it decoded, rows returned.
// `SELECT weights_scan_stats()` shows it as JSON; tests use it to prove pruning.
#pragma once
#include <cstdint>

#include "store/sqlite_api.h"

namespace hart {

struct ScanStats {
  int64_t chunks_total = 0, chunks_skipped = 0, chunks_read = 0, rows = 0;
};

void publish_scan_stats(sqlite3* db, const ScanStats& s);

}  // namespace hart
