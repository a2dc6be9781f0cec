// Text for a model to read, taken from the database by a query: calibration text
// for importance scores, evaluation text. The rows' first column, in order, joined by
// newlines (NULLs skipped). A query that is not a single read-only SELECT, fails, or
// returns no text is a UsageError naming it and what it was for.
#pragma once
#include <string>

#include "store/sqlite_api.h"

namespace hart {

std::string text_from_query(sqlite3* db, const std::string& sql, const std::string& purpose);

}  // namespace hart
