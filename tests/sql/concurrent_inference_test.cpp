// Concurrency never loses an answer: inferences whose log row cannot be written at that
// instant still return their output, and the row is written late by the background
// writer (store/inferences.h). Each race is made deterministic with two connections in
// one process: the second commits, or holds the write lock, at a chosen moment.
#include <chrono>

#include "../store/store_fixture.h"
#include "engine/inference.h"
#include "reference_models.h"
#include "store/model_ingest.h"
#include "store/models.h"

namespace hart::test {
namespace {

using std::chrono::seconds;

class ConcurrentInferenceTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    reference::write_reference_models(models.path());
    ingest_model(*db, models.file("llama_f32.gguf"), {"llama"});
    db->exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3); CREATE TABLE other(y)");
    other = std::make_unique<Database>(dir.file("test.db"), Database::Mode::kOpenExisting);
  }
  int64_t recorded() {
    EXPECT_EQ(flush_late_inferences(std::chrono::milliseconds(10000)), 0u);
    return scalar(*db, "SELECT count(*) FROM inferences");
  }
  TempDir models;
  std::unique_ptr<Database> other;  // another writer on the same file
};

// The calling statement's snapshot is older than another connection's commit: the
// INSERT cannot upgrade it (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out).
TEST_F(ConcurrentInferenceTest, AGenerateInAReadingStatementSurvivesACommitElsewhere) {
  const uint64_t late_before = inference_log_status().late;
  Stmt s = db->prepare("SELECT x, generate('llama', 'x', '{\"max_tokens\": 3, \"seed\": 1}') FROM t");
  int rows = 0;
  while (s.step()) {
    EXPECT_FALSE(s.text(1).empty());
    other->exec("INSERT INTO other VALUES (" + std::to_string(++rows) + ")");  // commits
  }
  EXPECT_EQ(rows, 3);
  EXPECT_GE(inference_log_status().late, late_before + 2);
  EXPECT_EQ(recorded(), 3);
}

TEST_F(ConcurrentInferenceTest, GenerateTokensSurvivesACommitDuringTheScan) {
  // CROSS JOIN keeps t outside: one generation per row of t, each after a commit.
  Stmt s = db->prepare(
      "SELECT t.x, g.token_id FROM t CROSS JOIN generate_tokens('llama', 'x', '{\"max_tokens\": 4}') g");
  int rows = 0;
  while (s.step()) other->exec("INSERT INTO other VALUES (" + std::to_string(++rows) + ")");
  EXPECT_EQ(rows, 12);
  EXPECT_EQ(recorded(), 3);
}

// A writer holds the lock longer than the busy timeout: the answer comes back, the row
// is written once the writer commits.
TEST_F(ConcurrentInferenceTest, AWriterHoldingTheLockDelaysOnlyTheRecord) {
  sqlite3_busy_timeout(db->handle(), 50);
  other->exec("BEGIN IMMEDIATE; INSERT INTO other VALUES (1)");
  GenerateCall call = run_generate(db->handle(), "llama", "x", parse_generation_options("{\"max_tokens\": 2}"));
  EXPECT_EQ(call.result.tokens.size(), 2u);
  EXPECT_EQ(call.record.state, RecordedInference::State::kLate);
  EXPECT_THAT(call.record.why, ::testing::HasSubstr("locked"));
  std::vector<int32_t> ids = run_tokenize(db->handle(), "llama", "x");
  EXPECT_FALSE(ids.empty());
  EXPECT_EQ(flush_late_inferences(std::chrono::milliseconds(300)), 2u);  // still held
  other->exec("COMMIT");
  EXPECT_EQ(recorded(), 2);
}

// `hart rm` of the model while it generates: the output and the record survive, the
// record keeping the model's name with model_id NULL.
TEST_F(ConcurrentInferenceTest, RemovingTheModelDuringGenerationKeepsTheRecord) {
  db->exec("PRAGMA foreign_keys = ON");
  bool removed = false;
  GenerateCall call = run_generate(db->handle(), "llama", "x", parse_generation_options("{\"max_tokens\": 4}"),
                                   [&](std::string_view) {
                                     if (!removed) remove_model(*other, "llama");
                                     removed = true;
                                     return true;
                                   });
  EXPECT_TRUE(removed);
  EXPECT_EQ(call.result.tokens.size(), 4u);
  EXPECT_EQ(call.record.state, RecordedInference::State::kWritten) << call.record.why;
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM inferences WHERE model_id IS NULL AND model_name = 'llama'"), 1);
  EXPECT_EQ(scalar(*db, "SELECT count(*) FROM models"), 0);
}

}  // namespace
}  // namespace hart::test
