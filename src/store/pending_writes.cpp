#include "store/pending_writes.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "store/database.h"
#include "util/error.h"

namespace hart {
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot.
// The command name (field 2) may hold spaces and parentheses, so count from its end.
std::string start_time(pid_t pid) {
  std::string stat = first_line("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i)
    if (i == 22) return field;
  return "";
}

std::string boot_id() { return first_line("/proc/sys/kernel/random/boot_id"); }

// Writes this process has under way, so one left behind by an exception in a
// long-running process (a server) is told from one still being written.
std::mutex live_mutex;
std::set<std::string> live_writes;

std::string live_key(Database& db, int64_t id) { return db.file_path() + "\n" + std::to_string(id); }

// "process 1234" for an owner string.
std::string describe(const std::string& owner) {
  std::istringstream in(owner);
  std::string boot, pid;
  in >> boot >> pid;
  return "process " + pid;
}

bool is_abandoned(Database& db, int64_t id, const std::string& owner) {
  if (owner != this_process_owner()) return !owner_is_running(owner);
  std::lock_guard<std::mutex> lock(live_mutex);
  return live_writes.count(live_key(db, id)) == 0;
}

}  // namespace

const std::string& this_process_owner() {
  static const std::string owner = boot_id() + " " + std::to_string(getpid()) + " " + start_time(getpid());
  return owner;
}

bool owner_is_running(const std::string& owner) {
  std::istringstream in(owner);
  std::string boot, started;
  long long pid = 0;
  if (!(in >> boot >> pid >> started) || pid <= 0) return false;
  if (boot != boot_id()) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  return start_time(static_cast<pid_t>(pid)) == started;
}

PendingWrite::PendingWrite(Database& db, const std::string& model_name)
    : db_(db), pin_(db.prepare("INSERT OR IGNORE INTO pending_chunks(write_id, chunk_id) VALUES(?, ?)")) {
  Transaction tx(db);
  Stmt taken = db.prepare("SELECT 1 FROM models WHERE name = ?");
  taken.bind(1, model_name);
  if (taken.step())
    throw UsageError("model '" + model_name + "': a model with this name is already stored; choose another name");
  Stmt pending = db.prepare("SELECT id, owner, started_at FROM pending_writes WHERE model_name = ?");
  pending.bind(1, model_name);
  if (pending.step()) {
    if (!is_abandoned(db, pending.int64(0), pending.text(1)))
      throw UsageError("model '" + model_name + "': another writer (" + describe(pending.text(1)) + ", since " + pending.text(2) + ") is storing a model with this name; wait for it or choose"
                       " another name");
    db.prepare("DELETE FROM pending_writes WHERE id = ?").bind(1, pending.int64(0)).run();
  }
  db.prepare("INSERT INTO pending_writes(model_name, owner) VALUES(?, ?)")
      .bind(1, model_name).bind(2, this_process_owner()).run();
  id_ = db.last_insert_rowid();
  // Live before it is visible, so another thread's reclaim never takes it for abandoned.
  {
    std::lock_guard<std::mutex> lock(live_mutex);
    live_writes.insert(live_key(db, id_));
  }
  try {
    tx.commit();
  } catch (...) {
    std::lock_guard<std::mutex> lock(live_mutex);
    live_writes.erase(live_key(db, id_));
    throw;
  }
}

PendingWrite::~PendingWrite() {
  if (!finished_) {
    try {
      db_.prepare("DELETE FROM pending_writes WHERE id = ?").bind(1, id_).run();
    } catch (const std::exception&) {  // busy or read-only: reclaimed once this process ends
    }
  }
  std::lock_guard<std::mutex> lock(live_mutex);
  live_writes.erase(live_key(db_, id_));
}

void PendingWrite::pin(int64_t chunk_id) {
  pin_.bind(1, id_).bind(2, chunk_id).run();
}

void PendingWrite::pin_tensor_chunks(int64_t tensor_id) {
  db_.prepare(
        "INSERT OR IGNORE INTO pending_chunks(write_id, chunk_id)"
        " SELECT ?1, chunk_id FROM tensor_chunks WHERE tensor_id = ?2")
      .bind(1, id_).bind(2, tensor_id).run();
}

void PendingWrite::finish() {
  db_.prepare("DELETE FROM pending_writes WHERE id = ?").bind(1, id_).run();
  finished_ = true;
}

std::vector<AbandonedWrite> find_abandoned_writes(Database& db) {
  std::vector<AbandonedWrite> out;
  Stmt s = db.prepare(
      "SELECT w.id, w.model_name, w.owner, w.started_at, count(p.chunk_id),"
      "       coalesce(sum(CASE WHEN c.refcount = 1 THEN c.n_bytes END), 0)"
      "  FROM pending_writes w LEFT JOIN pending_chunks p ON p.write_id = w.id"
      "  LEFT JOIN chunks c ON c.id = p.chunk_id GROUP BY w.id ORDER BY w.id");
  while (s.step())
    if (is_abandoned(db, s.int64(0), s.text(2)))
      out.push_back({s.text(1), s.text(2), s.text(3), s.int64(4), s.int64(5)});
  return out;
}

int64_t reclaim_abandoned_writes(Database& db) {
  {  // most of the time there is nothing to do: look before taking the write lock
    Stmt any = db.prepare("SELECT 1 FROM pending_writes LIMIT 1");
    if (!any.step()) return 0;
  }
  Transaction tx(db);
  std::vector<int64_t> gone;
  {
    Stmt s = db.prepare("SELECT id, owner FROM pending_writes");
    while (s.step())
      if (is_abandoned(db, s.int64(0), s.text(1))) gone.push_back(s.int64(0));
  }
  Stmt drop = db.prepare("DELETE FROM pending_writes WHERE id = ?");
  for (int64_t id : gone) drop.bind(1, id).run();
  tx.commit();
  return static_cast<int64_t>(gone.size());
}

}  // namespace hart
