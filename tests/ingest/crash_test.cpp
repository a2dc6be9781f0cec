// SIGKILL in the middle of a folder ingest: the files committed so far are whole and
// consistent, the one in progress leaves no trace, and the next run finishes the job
// without re-reading what was stored.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "ingest_fixture.h"

namespace hart::test {
namespace {

constexpr int kFiles = 400;

TEST(IngestCrash, KilledMidFolderLosesOnlyTheFileInProgress) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("corpus"));
  uint32_t x = 7;
  for (int i = 0; i < kFiles; ++i) {
    std::string bytes(i % 10 == 0 ? 2000 : 256 << 10, '\0');
    if (i % 10 == 0) {
      bytes = "File " + std::to_string(i) + " speaks. It has sentences. Passages come from them.";
    } else {
      for (char& c : bytes) c = static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
    }
    write_file(dir.file("corpus/f" + std::to_string(1000 + i)), bytes);
  }
  std::string db_path = dir.file("crash.db");
  { Database create(db_path, Database::Mode::kCreate); }

  pid_t pid = start_hart_ingest(db_path, dir.file("corpus"));
  ASSERT_GE(pid, 0);
  int64_t seen = 0;
  {
    Database watch(db_path, Database::Mode::kOpenExisting);  // WAL: reads while the run writes
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (seen < 20 && std::chrono::steady_clock::now() < deadline) {
      seen = count(watch, "SELECT count(*) FROM sources");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the ingest finished before it could be killed; add files";
  ASSERT_GE(seen, 20);

  Database db(db_path, Database::Mode::kOpenExisting);
  int64_t stored = count(db, "SELECT count(*) FROM sources");
  EXPECT_GE(stored, seen);
  EXPECT_LT(stored, kFiles);
  expect_consistent(db);

  ContentRunOptions options;
  ContentRunReport r = ingest_paths(db, {dir.file("corpus")}, options);
  EXPECT_EQ(r.files_unchanged, static_cast<uint64_t>(stored));
  EXPECT_EQ(r.files_ingested, static_cast<uint64_t>(kFiles - stored));
  EXPECT_TRUE(r.failures.empty()) << all_errors(r.failures);
  EXPECT_EQ(count(db, "SELECT count(*) FROM sources"), kFiles);
  expect_consistent(db);
}

}  // namespace
}  // namespace hart::test
