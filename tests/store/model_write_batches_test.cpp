// A model is written in batches (store/model_writer.h): other writers get the lock
// between them, the name and the chunks are reserved meanwhile (store/pending_writes.h),
// and a write whose process is gone is reclaimed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store/model_ingest.h"
#include "store/model_writer.h"
#include "store/models.h"
#include "store/pending_writes.h"
#include "store/settings.h"
#include "store/tensor_data.h"
#include "store_fixture.h"
#include "support/model_builder.h"

namespace hart::test {
namespace {

bool still_running(pid_t pid) { return waitpid(pid, nullptr, WNOHANG) == 0; }

// Before batches, `hart ingest` of a large model held the write lock for its whole
// length: any other write waiting less than that failed with "database is locked".
TEST(ModelWriteBatches, OtherWritersAreNotLockedOutForTheLengthOfAnIngest) {
  TempDir dir;
  std::string db_path = dir.file("busy.db");
  { Database create(db_path, Database::Mode::kCreate); }
  BuiltModel big;  // 512 MB of distinct F32 chunks: an ingest of several seconds here
  for (int i = 0; i < 32; ++i) big.add("blk." + std::to_string(i) + ".ffn_up.weight", {2048, 2048}, DType::F32, 40 + i);
  big.write_gguf(dir.file("big.gguf"));

  pid_t pid = start_hart_ingest(db_path, dir.file("big.gguf"));
  ASSERT_GE(pid, 0);
  Database other(db_path, Database::Mode::kOpenExisting, /*busy_timeout_ms=*/1000);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && scalar(other, "SELECT count(*) FROM pending_writes") == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));

  // Writes that wait at most 1 s each, every 50 ms, for as long as the ingest runs.
  int written_during_ingest = 0;
  std::string failure;
  while (still_running(pid) && failure.empty()) {
    try {
      write_setting(other.handle(), "inference_log", written_during_ingest % 2 ? "full" : "off");
      if (still_running(pid)) ++written_during_ingest;
    } catch (const Error& e) {
      failure = e.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_EQ(failure, "") << "a write waited more than 1 s for the ingest's lock";
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GE(written_during_ingest, 5) << "the ingest was too short to test anything; make the model bigger";
  ASSERT_TRUE(find_model(other, "big"));
  EXPECT_EQ(scalar(other, "SELECT count(*) FROM pending_writes"), 0);
  expect_check_passes(other);
}

TEST_F(StoreTest, ANameBeingWrittenIsReservedUntilTheWriteEnds) {
  Database second(dir.file("test.db"), Database::Mode::kOpenExisting);
  NewModel spec;
  spec.name = "m";
  {
    ModelWriter first(*db, spec);
    std::string err;
    try {
      ModelWriter again(second, spec);
    } catch (const UsageError& e) {
      err = e.what();
    }
    EXPECT_NE(err.find("another writer"), std::string::npos) << err;
    EXPECT_NE(err.find("process " + std::to_string(getpid())), std::string::npos) << err;
  }  // dropped uncommitted: the name is free again
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM pending_writes"), 0);
  ModelWriter again(second, spec);
  std::vector<float> v(8, 1.0f);
  again.add_tensor("t", {8}, DType::F32, v.data(), v.size() * 4);
  EXPECT_EQ(again.commit().name, "m");
  expect_check_passes(*db);
}

TEST_F(StoreTest, ChunksReservedByAWriteSurviveTheRemovalOfTheModelThatHadThem) {
  std::vector<float> v(20000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
  {
    ModelWriter w(*db, NewModel{.name = "old"});
    w.add_tensor("t", {v.size()}, DType::F32, v.data(), v.size() * 4);
    w.commit();
  }
  TableCounts with_old = counts(*db);
  {
    PendingWrite write(*db, "new");
    {  // what a ModelWriter does with a tensor it takes from another model, in one batch
      Transaction batch(*db);
      write.pin_tensor_chunks(model_tensors(db->handle(), find_model(*db, "old")->id)[0].id);
      batch.commit();
    }
    Database other(dir.file("test.db"), Database::Mode::kOpenExisting);
    RemoveReport removed = remove_model(other, "old");
    EXPECT_EQ(removed.chunks_freed, 0) << "the reserved chunks are not freed";
    EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks"), with_old.chunks);
    expect_check_passes(*db);
  }  // the write ends without a model: now nothing uses them
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks"), 0);
  expect_check_passes(*db);
}

TEST_F(StoreTest, AWriteWhoseProcessHasEndedIsReclaimed) {
  std::vector<float> v(5000, 2.5f);
  {
    ModelWriter w(*db, NewModel{.name = "kept"});
    w.add_tensor("t", {v.size()}, DType::F32, v.data(), v.size() * 4);
    w.commit();
  }
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  std::string dead_owner = this_process_owner();  // same boot, a pid that has ended
  dead_owner.replace(dead_owner.find(' ') + 1, dead_owner.rfind(' ') - dead_owner.find(' ') - 1,
                     std::to_string(child));
  EXPECT_TRUE(owner_is_running(this_process_owner()));
  EXPECT_FALSE(owner_is_running(dead_owner));
  EXPECT_FALSE(owner_is_running("another-boot 1 1"));
  db->exec("BEGIN");
  db->prepare("INSERT INTO pending_writes(model_name, owner) VALUES('crashed', ?)").bind(1, dead_owner).run();
  const uint8_t bytes[3] = {1, 2, 3};
  const Sha256Digest digest = sha256(bytes, 3);
  db->prepare("INSERT INTO chunks(sha256, n_bytes) VALUES(?, 3)").bind_blob(1, digest.data(), digest.size()).run();
  db->prepare("INSERT INTO chunk_data(id, data) VALUES(last_insert_rowid(), ?)").bind_blob(1, bytes, 3).run();
  db->exec("INSERT INTO pending_chunks SELECT w.id, c.id FROM pending_writes w, chunks c"
           " WHERE w.model_name = 'crashed' AND c.n_bytes = 3");
  db->exec("INSERT INTO pending_chunks SELECT w.id, tc.chunk_id FROM pending_writes w, tensor_chunks tc"
           " WHERE w.model_name = 'crashed'");  // and one chunk a stored model also uses
  db->exec("COMMIT");
  expect_check_passes(*db);
  std::vector<AbandonedWrite> abandoned = find_abandoned_writes(*db);
  ASSERT_EQ(abandoned.size(), 1u);
  EXPECT_EQ(abandoned[0].model_name, "crashed");
  EXPECT_EQ(abandoned[0].chunks, 2);
  EXPECT_EQ(abandoned[0].bytes, 3);  // only the chunk nothing else uses

  // The next model write reclaims it, even one of the same name.
  ModelWriter w(*db, NewModel{.name = "crashed"});
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks WHERE n_bytes = 3"), 0);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM chunks"), 1);
  w.add_tensor("t", {v.size()}, DType::F32, v.data(), v.size() * 4);
  w.commit();
  EXPECT_EQ(scalar(*db, "SELECT refcount FROM chunks"), 2);
  expect_check_passes(*db);
}

}  // namespace
}  // namespace hart::test
