#include "search/maintenance.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "util/error.h"

namespace hart::search {
namespace {

std::optional<SegmentPlan> next_plan(Collection& c) {
  const CollectionSpec& spec = c.spec();
  if (static_cast<size_t>(c.store().segment(kWritableSegment).n_vectors) >= spec.seal_threshold) return c.plan_seal();
  if (auto due = merge_due(c.store().segments(), spec)) return c.plan_merge(*due, /*with_fresh=*/false);
  return std::nullopt;
}

bool is_busy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

// The thread: one queue of collections, one connection per database file.
class Maintainer {
 public:
  ~Maintainer() {
    std::unique_lock lock(mutex_);
    if (!thread_.joinable()) return;
    exiting_ = true;  // a build in progress stops; nothing half-written is committed
    wake_.notify_all();
    lock.unlock();
    thread_.join();
  }

  void request(const std::string& file, const std::string& table, const CollectionSpec& spec) {
    std::lock_guard lock(mutex_);
    if (exiting_) return;
    auto [it, added] = jobs_.try_emplace(file + '\n' + table, JobState::kQueued);
    if (!added) {
      // Being worked on: its last look may have come before this write committed.
      if (it->second == JobState::kRunning) it->second = JobState::kRunningAgain;
      return;
    }
    queue_.push_back({file, table, spec});
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    wake_.notify_all();
  }

  MaintenanceStatus status() {
    std::lock_guard lock(mutex_);
    MaintenanceStatus s = status_;
    s.queued = jobs_.size();
    return s;
  }

  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return drained_.wait_for(lock, timeout, [&] { return jobs_.empty(); });
  }

 private:
  struct Job {
    std::string file, table;
    CollectionSpec spec;
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return exiting_ || !queue_.empty(); });
      if (exiting_) break;
      const Job job = queue_.front();
      queue_.pop_front();
      const std::string key = job.file + '\n' + job.table;
      jobs_[key] = JobState::kRunning;
      lock.unlock();
      work(job);
      lock.lock();
      if (jobs_[key] == JobState::kRunningAgain && !exiting_) {
        jobs_[key] = JobState::kQueued;
        queue_.push_back(job);
      } else {
        jobs_.erase(key);
      }
      drained_.notify_all();
    }
  }

  // Opened per job and closed after it, so that an idle process keeps no database open
  // (the last connection to close checkpoints and removes the WAL).
  static sqlite3* connect(const std::string& file) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close_v2(db);
      throw Error("cannot open " + file + ": " + why);
    }
    sqlite3_busy_timeout(db, 100);  // short waits inside SQLite; begin() loops between them
    return db;
  }

  // BEGIN IMMEDIATE, waiting as long as another connection writes (an inserting
  // statement that asked for this step has not committed yet); false when exiting.
  bool begin(sqlite3* db) {
    for (int wait_ms = 1;; wait_ms = std::min(wait_ms * 2, 100)) {
      const int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) return true;
      if (!is_busy(rc)) throw Error(std::string("cannot start a transaction: ") + sqlite3_errmsg(db));
      if (exiting_) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
  }

  void finish(sqlite3* db, const char* how) {
    if (sqlite3_exec(db, how, nullptr, nullptr, nullptr) != SQLITE_OK)
      throw Error(std::string(how) + " failed: " + sqlite3_errmsg(db));
  }

  void work(const Job& job) {
    sqlite3* db = nullptr;
    struct Closer {
      sqlite3*& db;
      ~Closer() { sqlite3_close_v2(db); }
    } closer{db};
    try {
      db = connect(job.file);
      Collection c(db, "main", job.table, job.spec);
      while (!exiting_) {
        if (!begin(db)) return;
        std::optional<SegmentPlan> plan = next_plan(c);
        finish(db, "COMMIT");
        if (!plan) return;
        const std::optional<SegmentIndexes> indexes = c.build(*plan, &exiting_);
        if (!indexes || !begin(db)) return;
        const std::optional<SealReport> done = c.commit(*plan, *indexes);
        finish(db, done ? "COMMIT" : "ROLLBACK");
        std::lock_guard lock(mutex_);
        if (done) {
          ++status_.steps;
          status_.rows_changed_meanwhile += done->changed_meanwhile;
        } else {
          ++status_.stale;
        }
      }
    } catch (const std::exception& e) {
      if (db && !sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      std::lock_guard lock(mutex_);
      ++status_.failures;
      status_.last_error = job.table + " in " + job.file + ": " + e.what();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, drained_;
  std::deque<Job> queue_;
  enum class JobState { kQueued, kRunning, kRunningAgain };
  std::map<std::string, JobState> jobs_;  // by file and table: queued or being worked on
  MaintenanceStatus status_;
  std::atomic<bool> exiting_ = false;
  std::thread thread_;
};

Maintainer& maintainer() {
  static Maintainer m;
  return m;
}

// Tier of a segment of `live` rows: 0 below merge_factor × seal_threshold, then one
// more per further factor of merge_factor.
size_t tier(int64_t live, const CollectionSpec& spec) {
  size_t t = 0;
  for (double x = static_cast<double>(live); x >= double(spec.merge_factor) * double(spec.seal_threshold); x /= double(spec.merge_factor))
    ++t;
  return t;
}

}  // namespace

std::optional<std::vector<SegmentRow>> merge_due(const std::vector<SegmentRow>& segments, const CollectionSpec& spec) {
  for (const SegmentRow& s : segments)
    if (s.id != kWritableSegment && s.n_deleted * 2 > s.n_vectors) return std::vector<SegmentRow>{s};
  if (spec.merge_factor < 2) return std::nullopt;
  std::map<size_t, std::vector<SegmentRow>> by_tier;
  for (const SegmentRow& s : segments)
    if (s.id != kWritableSegment) by_tier[tier(s.n_vectors - s.n_deleted, spec)].push_back(s);
  for (auto& [t, group] : by_tier)
    if (group.size() >= spec.merge_factor) {
      group.resize(spec.merge_factor);  // the oldest: segments come in id order
      return group;
    }
  return std::nullopt;
}

bool maintain_step(Collection& c) {
  const std::optional<SegmentPlan> plan = next_plan(c);
  if (!plan) return false;
  c.commit(*plan, *c.build(*plan));  // in one transaction: nothing changes meanwhile
  return true;
}

namespace {

bool hand_to_thread(Collection& c) {
  const std::string file = c.store().file();
  if (!c.spec().background || file.empty() || !sqlite3_threadsafe()) return false;
  maintainer().request(file, c.store().table(), c.spec());
  return true;
}

}  // namespace

void after_write(Collection& c, size_t fresh) {
  const CollectionSpec& spec = c.spec();
  if (fresh < spec.seal_threshold) return;
  if (hand_to_thread(c)) {
    // A writer outpacing the thread: the statement seals the oldest seal_threshold rows.
    if (fresh >= kBackpressure * spec.seal_threshold) {
      const SegmentPlan plan = c.plan_seal(spec.seal_threshold);
      c.commit(plan, *c.build(plan));
    }
    return;
  }
  while (maintain_step(c)) {
  }
}

void before_read(Collection& c, size_t fresh) {
  if (fresh >= c.spec().seal_threshold) hand_to_thread(c);
}

MaintenanceStatus maintenance_status() { return maintainer().status(); }

std::string to_json(const MaintenanceStatus& s) {
  return nlohmann::json{{"queued", s.queued},
                        {"steps", s.steps},
                        {"stale", s.stale},
                        {"rows_changed_meanwhile", s.rows_changed_meanwhile},
                        {"failures", s.failures},
                        {"last_error", s.last_error}}
      .dump();
}

bool wait_for_maintenance(std::chrono::milliseconds timeout) { return maintainer().wait(timeout); }

}  // namespace hart::search
