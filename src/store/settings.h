// Database settings: named values kept in the settings table (schema version 6), each
// with a default and a check, so every front end (SQL, CLI, server) reads and writes
// them the same way. SQL: hart_setting(name) and hart_setting(name, value).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "store/sqlite_api.h"

namespace hart {

// The stored value, or the default when unset (or on a database older than version 6).
// An unknown name is a UsageError listing the known ones.
std::string read_setting(sqlite3* db, std::string_view name);

// Checks and stores `value`; a bad value is a UsageError saying what is allowed.
void write_setting(sqlite3* db, std::string_view name, std::string_view value);

// What the inferences table keeps of each call's input and output (setting
// "inference_log"): "full", "off" (no rows), or a byte count N: the first N bytes (cut
// at a character boundary), with the whole's length and SHA-256 when cut.
struct LogRetention {
  enum class Mode { kFull, kStart, kOff };
  Mode mode = Mode::kStart;
  size_t max_bytes = 0;  // kStart only
};
inline constexpr const char* kInferenceLogSetting = "inference_log";
LogRetention parse_log_retention(std::string_view value);  // UsageError when invalid

}  // namespace hart
