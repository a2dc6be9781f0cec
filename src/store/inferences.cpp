#include "store/inferences.h"

#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "store/settings.h"
#include "util/sha256.h"

namespace hart {
namespace {

// model_id through a subquery: NULL when the model was removed during the call, so a
// concurrent `hart rm` cannot fail the record with a foreign-key error.
constexpr const char* kInsert =
    "INSERT INTO inferences(model_id, model_name, task, input, output, options, started_at, duration_ms,"
    " prompt_tokens, output_tokens, stop_reason, input_bytes, input_sha256, output_bytes, output_sha256)"
    " VALUES((SELECT id FROM models WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
// The server's rows name their request's usage row (its database is always migrated).
constexpr const char* kInsertWithUsage =
    "INSERT INTO inferences(model_id, model_name, task, input, output, options, started_at, duration_ms,"
    " prompt_tokens, output_tokens, stop_reason, input_bytes, input_sha256, output_bytes, output_sha256, usage_id)"
    " VALUES((SELECT id FROM models WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
    " (SELECT id FROM usage WHERE id = ?16))";
// A database older than schema version 6 (a host that loaded the extension without
// migrating it) has no columns for a cut record's length and hash.
constexpr const char* kInsertBeforeV6 =
    "INSERT INTO inferences(model_id, model_name, task, input, output, options, started_at, duration_ms,"
    " prompt_tokens, output_tokens, stop_reason)"
    " VALUES((SELECT id FROM models WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

void bind_text(sqlite3_stmt* st, int i, const std::string& s, bool null_if_empty = false) {
  if (null_if_empty && s.empty())
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_text64(st, i, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void bind_optional(sqlite3_stmt* st, int i, const std::optional<int64_t>& v) {
  if (v)
    sqlite3_bind_int64(st, i, *v);
  else
    sqlite3_bind_null(st, i);
}

// One attempt; SQLITE_OK with *id set, or SQLite's (extended) error code and *error.
int try_insert(sqlite3* db, const InferenceRow& r, int64_t* id, std::string* error) {
  sqlite3_stmt* st = nullptr;
  const bool v6 = sqlite3_prepare_v2(db, r.usage_id ? kInsertWithUsage : kInsert, -1, &st, nullptr) == SQLITE_OK;
  int rc = v6 ? SQLITE_OK : (sqlite3_finalize(st), sqlite3_prepare_v2(db, kInsertBeforeV6, -1, &st, nullptr));
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, r.model_id);
    bind_text(st, 2, r.model_name);
    bind_text(st, 3, r.task);
    bind_text(st, 4, r.input);
    bind_text(st, 5, r.output);
    bind_text(st, 6, r.options_json, true);
    bind_text(st, 7, r.started_at);
    sqlite3_bind_double(st, 8, r.duration_ms);
    bind_optional(st, 9, r.prompt_tokens);
    bind_optional(st, 10, r.output_tokens);
    bind_text(st, 11, r.stop_reason, true);
    if (v6) {
      bind_optional(st, 12, r.input_bytes);
      bind_text(st, 13, r.input_sha256, true);
      bind_optional(st, 14, r.output_bytes);
      bind_text(st, 15, r.output_sha256, true);
      if (r.usage_id) sqlite3_bind_int64(st, 16, *r.usage_id);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  if (rc == SQLITE_OK)
    *id = sqlite3_last_insert_rowid(db);
  else
    *error = sqlite3_errmsg(db);
  sqlite3_finalize(st);
  return rc;
}

// Cuts `text` to at most `max` bytes, at a character boundary, noting the whole.
void keep_start(std::string& text, size_t max, std::optional<int64_t>& bytes, std::string& sha) {
  if (text.size() <= max) return;
  bytes = static_cast<int64_t>(text.size());
  sha = to_hex(sha256(text.data(), text.size()));
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  text.resize(cut);
}

bool is_busy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

// Writes queued rows through its own connection per database file, on its own thread
// (started on first use), retrying with backoff while the database is busy.
class LateWriter {
 public:
  ~LateWriter() {
    std::unique_lock lock(mutex_);
    if (!thread_.joinable()) return;
    exit_deadline_ = std::chrono::steady_clock::now() + kLateRecordExitWait;
    exiting_ = true;
    wake_.notify_all();
    lock.unlock();
    thread_.join();
  }

  void push(std::string path, InferenceRow row) {
    std::lock_guard lock(mutex_);
    ++status_.late;
    queue_.push_back({std::move(path), std::move(row), std::chrono::steady_clock::now()});
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    wake_.notify_all();
  }

  InferenceLogStatus status() {
    std::lock_guard lock(mutex_);
    InferenceLogStatus s = status_;
    s.pending = queue_.size();
    return s;
  }

  uint64_t flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    drained_.wait_for(lock, timeout, [&] { return queue_.empty(); });
    return queue_.size();
  }

 private:
  struct Pending {
    std::string path;
    InferenceRow row;
    std::chrono::steady_clock::time_point queued;
  };
  // A row whose database stays busy this long (or that fails otherwise this often) is
  // given up on and reported.
  static constexpr std::chrono::minutes kPatience{10};
  static constexpr int kMaxOtherFailures = 5;

  void run() {
    std::unique_lock lock(mutex_);
    auto backoff = std::chrono::milliseconds(10);
    int other_failures = 0;
    while (!queue_.empty() || !exiting_) {
      if (queue_.empty()) {
        wake_.wait(lock, [&] { return !queue_.empty() || exiting_; });
        continue;
      }
      Pending p = queue_.front();
      lock.unlock();
      int64_t id = 0;
      std::string error;
      int rc = write(p, &id, &error);
      lock.lock();
      const auto now = std::chrono::steady_clock::now();
      const bool out_of_time = exiting_ ? now >= exit_deadline_ : now - p.queued > kPatience;
      if (rc == SQLITE_OK) {
        ++status_.written_late;
      } else {
        status_.last_error = error;
        if (!is_busy(rc)) ++other_failures;
        if (!out_of_time && other_failures < kMaxOtherFailures) {
          wake_.wait_for(lock, backoff, [&] { return exiting_ && now >= exit_deadline_; });
          backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
          continue;
        }
        ++status_.dropped;
        std::fprintf(stderr, "hart: an inferences record (%s of '%s' at %s) could not be written to %s: %s\n",
                     p.row.task.c_str(), p.row.model_name.c_str(), p.row.started_at.c_str(), p.path.c_str(),
                     error.c_str());
      }
      queue_.pop_front();
      backoff = std::chrono::milliseconds(10);
      other_failures = 0;
      if (queue_.empty()) drained_.notify_all();
    }
    for (auto& [path, db] : connections_) sqlite3_close_v2(db);
    connections_.clear();
  }

  int write(const Pending& p, int64_t* id, std::string* error) {
    sqlite3*& db = connections_[p.path];
    if (!db) {
      int rc = sqlite3_open_v2(p.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
      if (rc != SQLITE_OK) {
        *error = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close_v2(db);
        db = nullptr;
        return rc;
      }
      sqlite3_extended_result_codes(db, 1);
      sqlite3_busy_timeout(db, 200);  // short waits inside SQLite; the loop backs off between them
    }
    return try_insert(db, p.row, id, error);
  }

  std::mutex mutex_;
  std::condition_variable wake_, drained_;
  std::deque<Pending> queue_;
  std::thread thread_;
  bool exiting_ = false;
  std::chrono::steady_clock::time_point exit_deadline_;
  InferenceLogStatus status_;
  std::unordered_map<std::string, sqlite3*> connections_;  // used by the thread only
};

LateWriter& late_writer() {
  static LateWriter w;
  return w;
}

}  // namespace

std::string utc_now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

RecordedInference record_inference(sqlite3* db, const InferenceRow& whole) {
  RecordedInference out;
  if (sqlite3_db_readonly(db, "main") == 1) {
    out.why = "the database is read-only";
    return out;
  }
  const LogRetention keep = parse_log_retention(read_setting(db, kInferenceLogSetting));
  if (keep.mode == LogRetention::Mode::kOff) {
    out.why = "the inference log is off (setting inference_log)";
    return out;
  }
  InferenceRow row = whole;
  if (keep.mode == LogRetention::Mode::kStart) {
    keep_start(row.input, keep.max_bytes, row.input_bytes, row.input_sha256);
    keep_start(row.output, keep.max_bytes, row.output_bytes, row.output_sha256);
  }
  int rc = try_insert(db, row, &out.id, &out.why);
  if (rc == SQLITE_OK) {
    out.state = RecordedInference::State::kWritten;
    return out;
  }
  const char* file = sqlite3_db_filename(db, "main");
  // Another thread needs a threadsafe SQLite; an in-memory database has no file to reopen.
  if (!file || !*file || !sqlite3_threadsafe()) {
    std::fprintf(stderr, "hart: an inferences record (%s of '%s') could not be written: %s\n", row.task.c_str(),
                 row.model_name.c_str(), out.why.c_str());
    return out;
  }
  out.state = RecordedInference::State::kLate;
  late_writer().push(file, row);
  return out;
}

InferenceLogStatus inference_log_status() { return late_writer().status(); }

uint64_t flush_late_inferences(std::chrono::milliseconds timeout) { return late_writer().flush(timeout); }

std::string to_json(const InferenceLogStatus& s) {
  return nlohmann::json{{"late", s.late},
                        {"written_late", s.written_late},
                        {"pending", s.pending},
                        {"dropped", s.dropped},
                        {"last_error", s.last_error}}
      .dump();
}

}  // namespace hart
