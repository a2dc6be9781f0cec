// A crash mid-ingest (SIGKILL while the transaction is writing) must leave the
// database consistent (every check of `hart check` passes): the earlier model intact,
// no trace of the half-written one.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "store/model_ingest.h"
#include "store_fixture.h"
#include "support/model_builder.h"

namespace hart::test {
namespace {

TEST(Crash, KilledIngestLeavesDatabaseConsistent) {
  TempDir dir;
  std::string db_path = dir.file("crash.db");
  BuiltModel small;
  small.add("blk.0.attn_q.weight", {64, 64}, DType::F32, 1);
  small.write_gguf(dir.file("small.gguf"));
  BuiltModel big;  // ~200 MB, so the ingest is still running when we kill it
  for (int i = 0; i < 12; ++i) big.add("blk." + std::to_string(i) + ".ffn_up.weight", {2048, 2048}, DType::F32, 10 + i);
  big.write_gguf(dir.file("big.gguf"));
  TableCounts before;
  {
    Database db(db_path, Database::Mode::kCreate);
    ingest_model(db, dir.file("small.gguf"), {""});
    before = counts(db);
  }

  std::string hart = binary_dir() + "/src/hart";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(hart.c_str(), hart.c_str(), "ingest", db_path.c_str(), dir.file("big.gguf").c_str(), "--quiet",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill once the transaction has spilled tens of MB into the WAL.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::error_code ec;
  while (std::chrono::steady_clock::now() < deadline) {
    auto wal = std::filesystem::file_size(db_path + "-wal", ec);
    if (!ec && wal > (40u << 20)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the ingest finished before it could be killed; make the test file bigger";

  // What a user runs after a crash: `hart check` finds nothing (it opens the file first,
  // so the WAL's uncommitted tail is discarded as any reader would).
  std::string out;
  EXPECT_EQ(run_command(hart + " check " + db_path, &out), 0) << out;
  Database db(db_path, Database::Mode::kOpenExisting);
  EXPECT_EQ(counts(db), before);
  expect_check_passes(db);
  // And the same file ingests cleanly afterwards.
  IngestReport r = ingest_model(db, dir.file("big.gguf"), {""});
  EXPECT_EQ(r.model.n_tensors, 12);
  expect_check_passes(db);
}

}  // namespace
}  // namespace hart::test
