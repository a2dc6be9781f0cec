#include "engine/text_query.h"

#include <cctype>

#include "util/error.h"

namespace hart {

UserQuery::UserQuery(sqlite3* db, const std::string& sql, const std::string& purpose)
    : db_(db), sql_(sql), purpose_(purpose) {
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st, &tail);
  stmt_.reset(st);
  if (rc != SQLITE_OK || !st)
    throw UsageError("the " + purpose + " query fails: " + (st || rc != SQLITE_OK ? sqlite3_errmsg(db) : "it holds no statement") +
                     " (query: " + sql + ")");
  for (const char* p = tail; p && *p; ++p)
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';')
      throw UsageError("the " + purpose + " query must be one statement (query: " + sql + ")");
  if (!sqlite3_stmt_readonly(st)) throw UsageError("the " + purpose + " query must only read (query: " + sql + ")");
}

bool UserQuery::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw UsageError("the " + purpose_ + " query fails: " + std::string(sqlite3_errmsg(db_)) + " (query: " + sql_ + ")");
}

std::string text_from_query(sqlite3* db, const std::string& sql, const std::string& purpose) {
  UserQuery q(db, sql, purpose);
  sqlite3_stmt* st = q.stmt();
  std::string text;
  bool any = false;
  while (q.step()) {
    if (sqlite3_column_count(st) < 1 || sqlite3_column_type(st, 0) == SQLITE_NULL) continue;
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    if (any) text += '\n';
    text.append(p, static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    any = true;
  }
  if (text.empty()) throw UsageError("the " + purpose + " query returned no text (query: " + sql + ")");
  return text;
}

}  // namespace hart
