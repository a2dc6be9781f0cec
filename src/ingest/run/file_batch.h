#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hart {

class Database;

// Files of a run commit together, several to a transaction: one transaction per
// file rewrote the same table and index pages once per file (300 small files wrote
// 111x the final database). Each file is a savepoint inside the batch, so a file
// that fails rolls back alone; a crash loses at most the batch in progress (at most
// kMaxSeconds of work), and every file in the database is whole.
class FileBatch {
 public:
  // A batch commits once it holds this many files, input bytes, or seconds of work.
  static constexpr uint64_t kMaxFiles = 1000;
  static constexpr uint64_t kMaxBytes = 16u << 20;
  static constexpr std::chrono::milliseconds kMaxAge{1000};

  explicit FileBatch(Database& db) : db_(db) {}
  // Commits what is done: every file released into the batch is whole.
  ~FileBatch();
  FileBatch(const FileBatch&) = delete;
  FileBatch& operator=(const FileBatch&) = delete;

  // Commits the open batch, if any (before something that opens its own transaction).
  // A failed COMMIT rolls the batch back, its files become take_settled().lost, and
  // it throws.
  void commit();
  // Commits when the batch is full or old enough.
  void commit_if_due();
  bool open() const { return open_; }

  // The files (paths given to File::commit) settled since the last call: how many
  // were made durable by a COMMIT, and which were lost with their batch (its COMMIT
  // failed, or an error such as a full disk rolled the whole transaction back).
  struct Settled {
    uint64_t committed = 0;
    std::vector<std::string> lost;
  };
  Settled take_settled();

  // One file's writes: rolled back (alone) unless commit() is called.
  class File {
   public:
    File(FileBatch& batch, uint64_t bytes);
    ~File();
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    // The file joins the batch; it is durable once the batch commits. `path` names
    // it in take_settled() (empty: bookkeeping for a file counted elsewhere).
    void commit(const std::string& path);

   private:
    FileBatch& batch_;
    uint64_t bytes_;
    bool done_ = false;
  };

 private:
  Database& db_;
  bool open_ = false;
  uint64_t files_ = 0, bytes_ = 0;
  std::chrono::steady_clock::time_point opened_;
  std::vector<std::string> pending_;  // released into the open batch
  Settled settled_;
  void lose_pending();
};

}  // namespace hart
