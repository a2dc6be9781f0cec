// A batch of files whose COMMIT fails (a full disk, or here a deferred foreign key
// broken on purpose): its files are failures, not ingested, the run stops, and the
// database holds only the batches that committed.
#include <filesystem>

#include "ingest/run/file_batch.h"
#include "ingest_fixture.h"

namespace hart::test {
namespace {

TEST_F(IngestTest, FilesOfABatchWhoseCommitFailsAreFailuresNotIngested) {
  // A source row for a file named "poison" breaks a deferred foreign key, so the
  // batch holding it can only fail at COMMIT.
  db->exec("CREATE TABLE poison(atom_id INTEGER REFERENCES atoms(id) DEFERRABLE INITIALLY DEFERRED)");
  db->exec("CREATE TRIGGER poison_source AFTER INSERT ON sources WHEN new.path LIKE '%poison%'"
           " BEGIN INSERT INTO poison VALUES(-1); END");
  std::filesystem::create_directories(path("in"));
  // a-big fills a batch by itself (FileBatch::kMaxBytes), which commits; the next
  // batch starts with b-poison and fails.
  std::string big(FileBatch::kMaxBytes, '\0');
  uint32_t x = 1;
  for (char& c : big) c = static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
  write("in/a-big", big);
  write("in/b-poison.txt", "Poisoned words.");
  for (int i = 0; i < 5; ++i) write("in/c" + std::to_string(i) + ".txt", "Words of file " + std::to_string(i) + ".");
  options.threads = 1;

  ContentRunReport r = ingest({path("in")});
  EXPECT_EQ(r.files, 7u);
  EXPECT_EQ(r.files_ingested, 1u) << "only a-big's batch committed";
  ASSERT_FALSE(r.failures.empty());
  EXPECT_NE(r.failures[0].where.find("b-poison.txt"), std::string::npos);
  for (const ContentIssue& f : r.failures) {
    EXPECT_NE(f.error.find("not stored: the batch of files it was in was rolled back ("), std::string::npos) << f.error;
    EXPECT_NE(f.error.find("FOREIGN KEY constraint failed"), std::string::npos) << f.error;
  }
  EXPECT_NE(r.stopped.find("a batch of files could not be committed"), std::string::npos) << r.stopped;
  // The batch fails at the end of the run, or earlier if it grew old (then the files
  // after it are not tried, and the report says how many).
  const uint64_t not_tried = r.files - r.files_ingested - r.failures.size();
  if (not_tried) {
    EXPECT_NE(r.stopped.find("; " + std::to_string(not_tried) + " file(s) not tried"), std::string::npos);
  }
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sources"), 1);
  EXPECT_EQ(r.dedup.atoms_new, static_cast<uint64_t>(count(*db, "SELECT count(*) FROM atoms")));

  db->exec("DROP TRIGGER poison_source; DROP TABLE poison");
  expect_consistent(*db);
  // The lost files have no source row: the next run stores them.
  ContentRunReport again = ingest({path("in")});
  EXPECT_TRUE(again.failures.empty()) << all_errors(again.failures);
  EXPECT_TRUE(again.stopped.empty()) << again.stopped;
  EXPECT_EQ(again.files_unchanged, 1u);
  EXPECT_EQ(again.files_ingested, 6u);
  expect_consistent(*db);
}

}  // namespace
}  // namespace hart::test
