// A model write in progress (schema version 7). A model is written in several
// transactions; between them, its `pending_writes` row reserves its name and its
// `pending_chunks` rows count every chunk it stored or will reuse as used, so that no
// other writer (`hart rm`, a content ingest, plain SQL) frees one before the model
// that needs it becomes visible. The row goes when the model commits or rolls back;
// a crash leaves it, and the next writer that finds its owning process gone removes
// it, freeing the chunks that nothing else uses.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/database.h"

namespace hart {

// Who is writing: "<boot id> <pid> <process start time>", so a pid reused by another
// process, or one from before a reboot, is not mistaken for the writer.
const std::string& this_process_owner();

// True while the process named by `owner` (this_process_owner() of some process on
// this machine) is still running. An owner this process cannot judge (another
// machine's boot) counts as gone: SQLite's WAL mode only works on one machine.
bool owner_is_running(const std::string& owner);

class PendingWrite {
 public:
  // Reserves `model_name` in its own short transaction (the connection must be outside
  // a transaction). UsageError when a stored model or a running writer has the name.
  PendingWrite(Database& db, const std::string& model_name);
  // Removes the row (and so its chunk counts) unless finish() ran; best effort: if
  // that fails, the next writer reclaims it once this process has ended.
  ~PendingWrite();
  PendingWrite(const PendingWrite&) = delete;
  PendingWrite& operator=(const PendingWrite&) = delete;

  int64_t id() const { return id_; }
  // Counts chunk `chunk_id` as used by this write (once), inside the caller's transaction.
  void pin(int64_t chunk_id);
  // Every chunk of stored tensor `tensor_id`, the same way.
  void pin_tensor_chunks(int64_t tensor_id);
  // Deletes the row inside the caller's transaction (the one that makes the model
  // visible and so holds its own references to the chunks).
  void finish();

 private:
  Database& db_;
  Stmt pin_;
  int64_t id_ = 0;
  bool finished_ = false;
};

struct AbandonedWrite {
  std::string model_name, owner, started_at;
  int64_t chunks = 0;  // chunks it counts as used
  int64_t bytes = 0;   // of those, the bytes nothing else uses (freed by reclaiming it)
};

// Writes whose process has ended without finishing them (read only).
std::vector<AbandonedWrite> find_abandoned_writes(Database& db);

// Deletes abandoned writes, freeing the chunks only they used; returns how many.
// Runs its own transaction, so the connection must be outside one.
int64_t reclaim_abandoned_writes(Database& db);

}  // namespace hart
