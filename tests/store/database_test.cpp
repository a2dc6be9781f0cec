#include "store/schema.h"
#include "store_fixture.h"
#include "util/error.h"

namespace hart::test {
namespace {

TEST_F(StoreTest, NewDatabaseHasLatestSchemaWalAndForeignKeys) {
  EXPECT_EQ(scalar(*db, "PRAGMA user_version"), schema_version_latest());
  EXPECT_EQ(scalar(*db, "PRAGMA application_id"), kApplicationId);
  EXPECT_EQ(scalar(*db, "PRAGMA foreign_keys"), 1);
  Stmt mode = db->prepare("PRAGMA journal_mode");
  mode.step();
  EXPECT_EQ(mode.text(0), "wal");
  for (const char* table : {"models", "tensors", "chunks", "chunk_data", "tensor_chunks", "chunk_zones"})
    EXPECT_EQ(scalar(*db, std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + table + "'"), 1) << table;
}

TEST_F(StoreTest, ReopeningKeepsSchemaAndData) {
  db->exec("INSERT INTO models(name, architecture, format, format_version, alignment, source_sha256, source_size,"
           " metadata, metadata_types, parameter_count, n_tensors, n_bytes)"
           " VALUES('m', 'llama', 'gguf', 3, 32, 'x', 1, '{}', '{}', 0, 0, 0)");
  db.reset();
  Database again(dir.file("test.db"), Database::Mode::kOpenExisting);
  EXPECT_EQ(scalar(again, "SELECT count(*) FROM models"), 1);
}

TEST(Database, InitRefusesExistingFile) {
  TempDir dir;
  write_file(dir.file("x.db"), "hello");
  EXPECT_THROW(Database(dir.file("x.db"), Database::Mode::kCreate), UsageError);
}

TEST(Database, OpenMissingFileSaysHowToCreate) {
  TempDir dir;
  try {
    Database db(dir.file("nope.db"), Database::Mode::kOpenExisting);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("hart init"));
  }
}

TEST(Database, ForeignSqliteFileIsRejected) {
  TempDir dir;
  {
    sqlite3* raw = nullptr;
    sqlite3_open(dir.file("other.db").c_str(), &raw);
    sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  try {
    Database db(dir.file("other.db"), Database::Mode::kOpenExisting);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("not a Hartonomous database"));
  }
}

TEST(Database, NewerSchemaIsRejected) {
  TempDir dir;
  { Database db(dir.file("t.db"), Database::Mode::kCreate); db.exec("PRAGMA user_version = 999"); }
  try {
    Database db(dir.file("t.db"), Database::Mode::kOpenExisting);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("newer"));
  }
}

TEST(Database, NotADatabaseFileIsAClearError) {
  TempDir dir;
  write_file(dir.file("junk.db"), std::string(8192, 'j'));
  EXPECT_THROW(Database(dir.file("junk.db"), Database::Mode::kOpenExisting), Error);
}

}  // namespace
}  // namespace hart::test
