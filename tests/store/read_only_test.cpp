// Databases this process cannot write: named by a read-only URI, or a file or folder
// made immutable (chattr +i, which binds root too; skipped where it is not allowed).
#include <cstdlib>

#include "store/schema.h"
#include "store_fixture.h"
#include "util/error.h"

namespace hart::test {
namespace {

std::string make_database_with_a_model(const TempDir& dir) {
  std::string path = dir.file("ro.db");
  Database db(path, Database::Mode::kCreate);
  db.exec("INSERT INTO models(name, architecture, format, format_version, alignment, source_sha256, source_size,"
          " metadata, metadata_types, parameter_count, n_tensors, n_bytes)"
          " VALUES('m', 'llama', 'gguf', 3, 32, 'x', 1, '{}', '{}', 0, 0, 0)");
  return path;
}

void expect_readable_not_writable(Database& db) {
  EXPECT_TRUE(db.read_only());
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM models"), 1);
  EXPECT_THROW(db.exec("DELETE FROM models"), Error);
}

// chattr +i on a path for the life of the object.
class Immutable {
 public:
  explicit Immutable(std::string path) : path_(std::move(path)) {
    set_ = std::system(("chattr +i '" + path_ + "' 2>/dev/null").c_str()) == 0;
  }
  ~Immutable() {
    if (set_) std::system(("chattr -i '" + path_ + "'").c_str());
  }
  bool set() const { return set_; }

 private:
  std::string path_;
  bool set_ = false;
};

TEST(ReadOnlyDatabase, ModeRoAndImmutableUrisOpenReadOnly) {
  TempDir dir;
  std::string path = make_database_with_a_model(dir);
  for (const std::string& uri : {"file:" + path + "?mode=ro", "file:" + path + "?immutable=1"}) {
    Database db(uri, Database::Mode::kOpenExisting);
    expect_readable_not_writable(db);
    EXPECT_EQ(db.file_path(), path) << uri;
  }
  Database writable(path, Database::Mode::kOpenExisting);
  EXPECT_FALSE(writable.read_only());
}

TEST(ReadOnlyDatabase, UriToAMissingFileSaysHowToCreate) {
  TempDir dir;
  try {
    Database db("file:" + dir.file("nope%2Edb") + "?mode=ro", Database::Mode::kOpenExisting);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no such database"));
  }
  // %2E decodes to '.', so this names an existing file.
  std::string path = make_database_with_a_model(dir);
  Database db("file:" + dir.file("ro%2Edb") + "?mode=ro", Database::Mode::kOpenExisting);
  EXPECT_TRUE(db.read_only());
}

TEST(ReadOnlyDatabase, OlderSchemaIsAnErrorSayingItCannotBeMigrated) {
  TempDir dir;
  std::string path = dir.file("old.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
    Database db(raw);
    db.exec("PRAGMA journal_mode = WAL");
    migrate_to(db, path, true, schema_version_latest() - 1);
    sqlite3_close(raw);
  }
  try {
    Database db("file:" + path + "?mode=ro", Database::Mode::kOpenExisting);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("needs migrating"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("open read-only"));
  }
  Database db(path, Database::Mode::kOpenExisting);  // writable: migrated as before
  EXPECT_EQ(scalar(db, "PRAGMA user_version"), schema_version_latest());
}

TEST(ReadOnlyDatabase, WriteProtectedFileOpensReadOnly) {
  TempDir dir;
  std::string path = make_database_with_a_model(dir);
  Immutable frozen(path);
  if (!frozen.set()) GTEST_SKIP() << "chattr +i is not allowed here";
  Database db(path, Database::Mode::kOpenExisting);
  expect_readable_not_writable(db);
}

// SQLite cannot create the -shm a WAL database needs in a folder it cannot write; with
// no -wal content to miss, the file is opened as immutable.
TEST(ReadOnlyDatabase, DatabaseInAnUnwritableFolderOpensReadOnly) {
  TempDir dir;
  std::string path = make_database_with_a_model(dir);
  Immutable frozen(dir.path());
  if (!frozen.set()) GTEST_SKIP() << "chattr +i is not allowed here";
  Database db(path, Database::Mode::kOpenExisting);
  expect_readable_not_writable(db);
}

TEST(ReadOnlyDatabase, UnreadableWalInAnUnwritableFolderSaysWhatToDo) {
  TempDir dir;
  std::string path = make_database_with_a_model(dir);
  write_file(path + "-wal", "changes");
  Immutable frozen(dir.path());
  if (!frozen.set()) GTEST_SKIP() << "chattr +i is not allowed here";
  try {
    Database db(path, Database::Mode::kOpenExisting);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("-wal has changes but no"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("?immutable=1"));
  }
}

}  // namespace
}  // namespace hart::test
