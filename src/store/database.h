// A connection to one Hartonomous database file, and RAII prepared statements.
// Opening applies the connection settings every caller needs (WAL, foreign keys,
// busy timeout) and migrates the schema. The SQL functions are registered by the
// front ends (sql/register.h), which sit above the store.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/sqlite_api.h"

namespace hart {

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds are 1-based as in SQLite; each returns *this for chaining.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_static(int i, std::string_view v);  // not copied: caller keeps `v` alive until step()
  Stmt& bind_blob(int i, const void* data, size_t n);
  Stmt& bind_null(int i);

  bool step();        // true while a row is available; throws on error
  void run();         // step() expecting no row, then reset()
  void reset();       // ready to run again; bindings are kept

  int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::string_view text_view(int col) const;  // valid until the next step() or reset()
  bool is_null(int col) const;
  const void* blob(int col) const;
  size_t bytes(int col) const;
  sqlite3_stmt* raw() const { return st_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

inline constexpr int kDefaultBusyTimeoutMs = 10000;

// `name` in double quotes with inner quotes doubled: an SQL identifier (and an FTS5
// phrase) that any text can be.
std::string quote_identifier(std::string_view name);

class Database {
 public:
  enum class Mode { kOpenExisting, kCreate, kScratch };
  // kCreate makes a new file (error if one exists); kOpenExisting requires a
  // Hartonomous database and migrates it forward (read-only, see read_only(): it must
  // already be at the latest schema, since a migration writes); kScratch (path "") makes a private
  // temporary database with the full schema, deleted when closed, that trades
  // durability for speed (a worker's staging area during a parallel ingest).
  // `busy_timeout_ms`: how long a statement waits for another connection's lock
  // before failing with "database is locked". It retries every millisecond (SQLite's
  // own busy timeout sleeps up to 100 ms between tries, and so misses the short gaps a
  // batched writer leaves between its transactions).
  // `path` may be an SQLite URI filename ("file:x.db?immutable=1").
  Database(const std::string& path, Mode mode, int busy_timeout_ms = kDefaultBusyTimeoutMs);
  // Wraps a connection owned by someone else (the loadable extension's host).
  explicit Database(sqlite3* borrowed);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }  // as given: a path or an SQLite URI
  std::string file_path() const;                     // the file itself ("" in memory)
  // True when opened read-only: a "mode=ro" or "immutable=1" URI, or a file or folder
  // this process cannot write. Queries work; anything that writes fails.
  bool read_only() const;
  void exec(std::string_view sql);
  Stmt prepare(std::string_view sql) { return Stmt(db_, sql); }
  int64_t last_insert_rowid() const;
  // Folds the WAL into the database and truncates it to zero bytes, unless a reader
  // still needs it (then it is left as it is, without waiting). A no-op outside WAL.
  void truncate_wal();

 private:
  static int on_busy(void* self, int tries);
  void wait_when_busy(int timeout_ms);

  sqlite3* db_ = nullptr;
  std::string path_;
  bool owned_ = true;
  int busy_timeout_ms_ = 0;
  std::chrono::steady_clock::time_point busy_since_;
};

// Called between the transactions of a long batched write (a model ingest) that held
// the write lock for `held`: pauses a twentieth of that (at least 2 ms) so writers
// waiting for the lock get it before the next batch begins.
void let_waiting_writers_in(std::chrono::steady_clock::duration held);

// Runs `BEGIN IMMEDIATE` and rolls back unless commit() is called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

// Throws hart::Error with SQLite's message, prefixed by `context`.
[[noreturn]] void throw_sqlite(sqlite3* db, std::string_view context);

}  // namespace hart
