#include "store/database.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "store/database_file.h"
#include "store/schema.h"
#include "util/error.h"

namespace hart {

void throw_sqlite(sqlite3* db, std::string_view context) {
  throw Error(std::string(context) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &st_, nullptr) != SQLITE_OK)
    throw_sqlite(db, "preparing SQL `" + std::string(sql.substr(0, 80)) + "`");
}

Stmt::~Stmt() { sqlite3_finalize(st_); }

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_static(int i, std::string_view v) {
  sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, size_t n) {
  sqlite3_bind_blob64(st_, i, data, n, SQLITE_STATIC);  // caller keeps data alive until step()
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string sql = sqlite3_sql(st_) ? sqlite3_sql(st_) : "";
  sqlite3_reset(st_);
  throw_sqlite(db_, "running `" + sql.substr(0, 80) + "`");
}

void Stmt::run() {
  step();
  reset();
}

void Stmt::reset() { sqlite3_reset(st_); }

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(st_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(st_, col); }
std::string Stmt::text(int col) const { return std::string(text_view(col)); }
std::string_view Stmt::text_view(int col) const {
  const unsigned char* p = sqlite3_column_text(st_, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : std::string_view();
}
bool Stmt::is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
const void* Stmt::blob(int col) const { return sqlite3_column_blob(st_, col); }
size_t Stmt::bytes(int col) const { return static_cast<size_t>(sqlite3_column_bytes(st_, col)); }

Database::Database(const std::string& path, Mode mode, int busy_timeout_ms) : path_(path) {
  if (mode == Mode::kScratch && !path.empty()) throw Error("a scratch database has no path (got '" + path + "')");
  const std::string file = database_file_path(path);
  bool exists = mode != Mode::kScratch && std::filesystem::exists(file);
  if (mode == Mode::kCreate && exists)
    throw UsageError(path + ": already exists; `hart init` creates new databases only");
  if (mode == Mode::kOpenExisting && !exists)
    throw UsageError(path + ": no such database; create one with `hart init " + path + "`");
  // A URI says itself how to open (mode=ro, immutable=1); a plain path that cannot be
  // written is opened read-only rather than failing on the first pragma.
  ReadOnlyOpen open = mode == Mode::kOpenExisting && !is_sqlite_uri(path) ? plan_existing_open(path)
                                                                          : ReadOnlyOpen{false, path};
  int flags = (open.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  if (mode != Mode::kOpenExisting) flags |= SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(open.name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(path + ": cannot open database: " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  wait_when_busy(busy_timeout_ms);
  try {
    // SQLite also falls back to read-only by itself when the file is write-protected.
    if (read_only()) {
      if (mode != Mode::kOpenExisting) throw UsageError(path + ": cannot create a database read-only");
      exec("PRAGMA cache_size = -65536");
      exec("PRAGMA foreign_keys = ON");
      refuse_outdated_schema(*this, path);
      return;
    }
    if (mode != Mode::kOpenExisting) exec("PRAGMA page_size = " + std::to_string(kPageSize));
    if (mode == Mode::kScratch) {
      // Nothing to recover after a crash: the file is unlinked as soon as it is opened.
      exec("PRAGMA journal_mode = MEMORY");  // savepoints still roll back
      exec("PRAGMA synchronous = OFF");
      exec("PRAGMA cache_size = -16384");
    } else {
      exec("PRAGMA journal_mode = WAL");
      // NORMAL in WAL mode never corrupts; a power cut can lose only the last commits.
      exec("PRAGMA synchronous = NORMAL");
      exec("PRAGMA cache_size = -65536");
      // The WAL stays bounded whatever the file's page size (older files have 64 KiB
      // pages, where SQLite's default of 1000 pages let it grow to 64 MB): checkpoint
      // every 4 MiB, and cut the file back to 32 MiB after a checkpoint reset it.
      Stmt page_size(db_, "PRAGMA page_size");
      page_size.step();
      exec("PRAGMA wal_autocheckpoint = " + std::to_string(std::max<int64_t>(1, (4 << 20) / page_size.int64(0))));
      exec("PRAGMA journal_size_limit = " + std::to_string(32 << 20));
    }
    exec("PRAGMA foreign_keys = ON");
    migrate(*this, path, mode != Mode::kOpenExisting);
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Database::Database(sqlite3* borrowed) : db_(borrowed), owned_(false) {
  const char* f = sqlite3_db_filename(borrowed, "main");
  path_ = f ? f : "";
}

Database::~Database() {
  if (owned_ && db_) sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw Error(path_ + ": " + msg + " (in `" + s.substr(0, 80) + "`)");
  }
}

bool Database::read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

std::string Database::file_path() const {
  const char* f = sqlite3_db_filename(db_, "main");
  return f ? f : "";
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

void Database::truncate_wal() {
  if (!owned_) return;  // the host's connection: its settings are not ours to change
  const int timeout_ms = busy_timeout_ms_;
  wait_when_busy(0);  // a reader or writer holding it: keep the WAL, don't wait
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  wait_when_busy(timeout_ms);
}

int Database::on_busy(void* self, int tries) {
  auto* db = static_cast<Database*>(self);
  auto now = std::chrono::steady_clock::now();
  if (tries == 0) db->busy_since_ = now;
  if (now - db->busy_since_ >= std::chrono::milliseconds(db->busy_timeout_ms_)) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

void Database::wait_when_busy(int timeout_ms) {
  busy_timeout_ms_ = timeout_ms;
  if (timeout_ms <= 0) sqlite3_busy_handler(db_, nullptr, nullptr);
  else sqlite3_busy_handler(db_, &Database::on_busy, this);
}

void let_waiting_writers_in(std::chrono::steady_clock::duration held) {
  std::this_thread::sleep_for(std::max<std::chrono::steady_clock::duration>(held / 20, std::chrono::milliseconds(2)));
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace hart
