#include "engine/text_query.h"

#include "util/error.h"

namespace hart {

std::string text_from_query(sqlite3* db, const std::string& sql, const std::string& purpose) {
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st, &tail) != SQLITE_OK || !st) {
    std::string msg = st ? sqlite3_errmsg(db) : "it holds no statement";
    sqlite3_finalize(st);
    throw UsageError("the " + purpose + " query fails: " + msg + " (query: " + sql + ")");
  }
  struct Finalize {
    sqlite3_stmt* s;
    ~Finalize() { sqlite3_finalize(s); }
  } guard{st};
  for (const char* p = tail; p && *p; ++p)
    if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';')
      throw UsageError("the " + purpose + " query must be one statement (query: " + sql + ")");
  if (!sqlite3_stmt_readonly(st))
    throw UsageError("the " + purpose + " query must only read (query: " + sql + ")");
  std::string text;
  bool any = false;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (sqlite3_column_count(st) < 1 || sqlite3_column_type(st, 0) == SQLITE_NULL) continue;
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    int n = sqlite3_column_bytes(st, 0);
    if (any) text += '\n';
    text.append(p, static_cast<size_t>(n));
    any = true;
  }
  if (rc != SQLITE_DONE)
    throw UsageError("the " + purpose + " query fails: " + std::string(sqlite3_errmsg(db)) + " (query: " + sql + ")");
  if (text.empty()) throw UsageError("the " + purpose + " query returned no text (query: " + sql + ")");
  return text;
}

}  // namespace hart
