// A crash mid-ingest (SIGKILL while a model is being written) must leave the database
// consistent (every check of `hart check` passes) with no visible trace of the
// half-written model: the earlier model intact, and the chunks the batches already
// committed reserved until the next writer frees them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "store/model_ingest.h"
#include "store/pending_writes.h"
#include "store_fixture.h"
#include "support/model_builder.h"

namespace hart::test {
namespace {

int64_t count_of(const std::string& db_path, const std::string& sql) {
  Database db(db_path, Database::Mode::kOpenExisting);
  return scalar(db, sql);
}

TEST(Crash, KilledIngestLeavesNoVisibleModelAndItsChunksAreFreedByTheNextWriter) {
  TempDir dir;
  std::string db_path = dir.file("crash.db");
  BuiltModel small;
  small.add("blk.0.attn_q.weight", {64, 64}, DType::F32, 1);
  small.write_gguf(dir.file("small.gguf"));
  BuiltModel big;  // ~200 MB: several batches, so the ingest is still running when we kill it
  for (int i = 0; i < 12; ++i) big.add("blk." + std::to_string(i) + ".ffn_up.weight", {2048, 2048}, DType::F32, 10 + i);
  big.write_gguf(dir.file("big.gguf"));
  TableCounts before;
  {
    Database db(db_path, Database::Mode::kCreate);
    ingest_model(db, dir.file("small.gguf"), {""});
    before = counts(db);
  }

  std::string hart = binary_dir() + "/src/hart";
  pid_t pid = start_hart_ingest(db_path, dir.file("big.gguf"));
  ASSERT_GE(pid, 0);
  // Kill once a batch of chunks has committed, in the middle of the next one.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline &&
         count_of(db_path, "SELECT count(*) FROM pending_chunks") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the ingest finished before it could be killed; make the test file bigger";

  // What a user runs after a crash: `hart check` finds nothing wrong, and says what the
  // unfinished write still reserves.
  std::string out;
  EXPECT_EQ(run_command(hart + " check " + db_path, &out), 0) << out;
  EXPECT_NE(out.find("a write of model 'big'"), std::string::npos) << out;
  Database db(db_path, Database::Mode::kOpenExisting);
  TableCounts after = counts(db);
  EXPECT_EQ(after.models, before.models);
  EXPECT_EQ(after.tensors, before.tensors);
  EXPECT_EQ(after.tensor_chunks, before.tensor_chunks);
  EXPECT_GT(after.chunks, before.chunks) << "the kill came before any batch committed";
  expect_check_passes(db);
  ASSERT_EQ(find_abandoned_writes(db).size(), 1u);
  EXPECT_GT(find_abandoned_writes(db)[0].bytes, 0);

  // The next writer frees them; the same file then ingests cleanly.
  EXPECT_EQ(reclaim_abandoned_writes(db), 1);
  EXPECT_EQ(counts(db), before);
  expect_check_passes(db);
  IngestReport r = ingest_model(db, dir.file("big.gguf"), {""});
  EXPECT_EQ(r.model.n_tensors, 12);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM pending_writes"), 0);
  expect_check_passes(db);
}

}  // namespace
}  // namespace hart::test
