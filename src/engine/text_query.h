// Queries a user hands to a model-level operation: one read-only statement, checked
// before it runs. text_from_query gives text for a model to read (calibration text
// for importance scores, evaluation text): the rows' first column, in order, joined
// by newlines (NULLs skipped).
#pragma once
#include <memory>
#include <string>

#include "store/sqlite_api.h"

namespace hart {

// A prepared user query. UsageError naming `purpose` (and the query) when it does not
// prepare, holds more than one statement or would write.
class UserQuery {
 public:
  UserQuery(sqlite3* db, const std::string& sql, const std::string& purpose);
  sqlite3_stmt* stmt() const { return stmt_.get(); }
  // sqlite3_step; UsageError naming the purpose when it fails.
  bool step();

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::string sql_, purpose_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// UsageError also when the query returns no text.
std::string text_from_query(sqlite3* db, const std::string& sql, const std::string& purpose);

}  // namespace hart
