#include "ingest/run/file_batch.h"

#include "store/database.h"

namespace hart {

FileBatch::~FileBatch() {
  if (!open_) return;
  if (sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void FileBatch::commit() {
  if (!open_) return;
  open_ = false;  // a failed COMMIT still ends the batch: rolled back here or by SQLite
  try {
    db_.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    lose_pending();
    throw;
  }
  settled_.committed += pending_.size();
  pending_.clear();
}

FileBatch::Settled FileBatch::take_settled() {
  Settled s = std::move(settled_);
  settled_ = {};
  return s;
}

void FileBatch::lose_pending() {
  for (std::string& p : pending_) settled_.lost.push_back(std::move(p));
  pending_.clear();
}

void FileBatch::commit_if_due() {
  if (open_ && (files_ >= kMaxFiles || bytes_ >= kMaxBytes || std::chrono::steady_clock::now() - opened_ >= kMaxAge))
    commit();
}

FileBatch::File::File(FileBatch& batch, uint64_t bytes) : batch_(batch), bytes_(bytes) {
  if (!batch_.open_) {
    batch_.db_.exec("BEGIN IMMEDIATE");
    batch_.open_ = true;
    batch_.files_ = batch_.bytes_ = 0;
    batch_.opened_ = std::chrono::steady_clock::now();
  }
  batch_.db_.exec("SAVEPOINT file");
}

FileBatch::File::~File() {
  if (done_) return;
  sqlite3_exec(batch_.db_.handle(), "ROLLBACK TO file; RELEASE file", nullptr, nullptr, nullptr);
  // Some errors (a full disk, I/O) roll back the whole transaction: the batch is gone.
  if (sqlite3_get_autocommit(batch_.db_.handle())) {
    batch_.open_ = false;
    batch_.lose_pending();
  }
}

void FileBatch::File::commit(const std::string& path) {
  batch_.db_.exec("RELEASE file");
  done_ = true;
  if (!path.empty()) batch_.pending_.push_back(path);
  batch_.files_++;
  batch_.bytes_ += bytes_;
}

}  // namespace hart
