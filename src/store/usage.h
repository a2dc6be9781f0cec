// The usage ledger of `hart serve` (table usage): one row per request, begun when the
// request arrives (so its inferences can point at it) and finished when the last byte
// of the answer is written. A row left unfinished (status NULL) is a request the
// process did not live to finish.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

struct UsageRow {
  std::string started_at;  // ISO 8601 UTC
  std::optional<int64_t> key_id;
  std::string tenant, endpoint, model;  // empty: NULL
  std::optional<int64_t> prompt_tokens, completion_tokens;
  double latency_ms = 0;
  int status = 0;
};

// Inserts the row as running (no latency, no status); its id.
int64_t begin_usage(sqlite3* db, const UsageRow& row);
// Sets what the request ended with: status, latency, model, tokens.
void finish_usage(sqlite3* db, int64_t id, const UsageRow& row);
// A request that never needed a row until it ended (refused, or no inference): one insert.
int64_t insert_usage(sqlite3* db, const UsageRow& row);

}  // namespace hart
