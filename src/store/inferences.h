// The inferences table: one row per generate / tokenize / embed call.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

struct InferenceRow {
  int64_t model_id = 0;
  std::string model_name, task, input, output, options_json;  // options_json may be empty
  std::string started_at;                                     // ISO 8601 UTC
  double duration_ms = 0;
  std::optional<int64_t> prompt_tokens, output_tokens;
  std::string stop_reason;
};

// Inserts the row and returns its id. A read-only database is not an error: the
// inference still happened, it just cannot be recorded (returns 0).
int64_t record_inference(sqlite3* db, const InferenceRow& row);

// The current time as stored in started_at.
std::string utc_now_iso8601();

}  // namespace hart
