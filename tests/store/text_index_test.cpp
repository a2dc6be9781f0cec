// atoms_fts (schema version 8): FTS5 over atoms.text, kept in step by triggers on
// atoms for any SQL client, and filled from the atoms already stored when a version 7
// file is migrated. The ingest side (files, rm-source) is tests/ingest/text_search_test.cpp.
#include <vector>

#include "store/atom_store.h"
#include "store/atoms.h"
#include "store/schema.h"
#include "store_fixture.h"

namespace hart::test {
namespace {

std::vector<int64_t> matches(Database& db, const std::string& query) {
  std::vector<int64_t> ids;
  Stmt s = db.prepare("SELECT rowid FROM atoms_fts WHERE atoms_fts MATCH ? ORDER BY bm25(atoms_fts), rowid");
  s.bind(1, query);
  while (s.step()) ids.push_back(s.int64(0));
  return ids;
}

int64_t insert_text_atom(Database& db, const std::string& text) {
  db.prepare("INSERT INTO atoms(sha256, modality, subtype, size, text) VALUES(randomblob(32), 'text', 'passage', ?, ?)")
      .bind(1, static_cast<int64_t>(text.size()))
      .bind(2, text)
      .run();
  return db.last_insert_rowid();
}

TEST(TextIndex, TriggersFollowInsertsUpdatesAndDeletesOfAnyClient) {
  TempDir dir;
  Database db(dir.file("t.db"), Database::Mode::kCreate);
  const int64_t a = insert_text_atom(db, "The harbour at Dunwich silted up.");
  const int64_t b = insert_text_atom(db, "Dunwich, Dunwich and Dunwich again.");
  db.exec("INSERT INTO atoms(sha256, modality, subtype, size) VALUES(randomblob(32), 'binary', 'file', 3)");
  EXPECT_EQ(matches(db, "dunwich"), (std::vector<int64_t>{b, a}));  // more occurrences rank first
  EXPECT_EQ(matches(db, "harbour"), (std::vector<int64_t>{a}));
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms_fts_docsize"), 2);  // the binary atom has no text

  db.prepare("UPDATE atoms SET text = 'A café by the harbour' WHERE id = ?").bind(1, b).run();
  EXPECT_EQ(matches(db, "dunwich"), (std::vector<int64_t>{a}));
  EXPECT_EQ(matches(db, "cafe"), (std::vector<int64_t>{b}));  // diacritics removed
  EXPECT_EQ(matches(db, "HARBOUR"), matches(db, "harbour"));  // case folded
  EXPECT_EQ(matches(db, "harbour").size(), 2u);
  db.prepare("UPDATE atoms SET text = NULL WHERE id = ?").bind(1, a).run();
  EXPECT_EQ(matches(db, "harbour"), (std::vector<int64_t>{b}));
  db.prepare("DELETE FROM atoms WHERE id = ?").bind(1, b).run();
  EXPECT_TRUE(matches(db, "harbour").empty());
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms_fts_docsize"), 0);
  expect_check_passes(db);
}

TEST(TextIndex, HighlightReadsTheTextFromAtoms) {
  TempDir dir;
  Database db(dir.file("t.db"), Database::Mode::kCreate);
  insert_text_atom(db, "Rain fell on the bridge to Malmö.");
  Stmt s = db.prepare("SELECT highlight(atoms_fts, 0, '[', ']') FROM atoms_fts WHERE atoms_fts MATCH 'malmo'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "Rain fell on the bridge to [Malmö].");
}

TEST(TextIndex, GarbageCollectedAtomsLeaveTheIndex) {
  TempDir dir;
  Database db(dir.file("t.db"), Database::Mode::kCreate);
  {
    Transaction tx(db);
    AtomStore atoms(db);
    StoredAtom file = atoms.put_bytes("payload bytes", {"binary", "file", "application/octet-stream"});
    StoredAtom passage = atoms.put_text("Lighthouse keepers of Skerryvore", {"text", "passage", "text/plain"});
    atoms.relate(file.id, passage.id, "passage", 0);
    db.prepare("INSERT INTO sources(path, size, mtime_ns, atom_id) VALUES('/x/file', 13, 1, ?)").bind(1, file.id).run();
    tx.commit();
  }
  EXPECT_EQ(matches(db, "skerryvore").size(), 1u);
  remove_source(db, "/x/file");
  EXPECT_TRUE(matches(db, "skerryvore").empty());
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms_fts_docsize"), 0);
  expect_check_passes(db);
}

// A version 7 file with text atoms: migrating to 8 indexes them, and the triggers run from then on.
TEST(TextIndexMigration, Version7AtomsAreIndexedByTheMigration) {
  TempDir dir;
  std::string path = dir.file("v7.db");
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
    {
      Database db(raw);
      db.exec("PRAGMA journal_mode = WAL");
      migrate_to(db, path, true, 7);
      EXPECT_EQ(scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'atoms_fts'"), 0);
      insert_text_atom(db, "Whales sing in the deep ocean.");
      insert_text_atom(db, "The ocean is deep and cold.");
      db.exec("INSERT INTO atoms(sha256, modality, subtype, size) VALUES(randomblob(32), 'image', 'file', 3)");
    }
    sqlite3_close(raw);
  }
  Database db(path, Database::Mode::kOpenExisting);
  EXPECT_EQ(scalar(db, "PRAGMA user_version"), schema_version_latest());
  EXPECT_EQ(matches(db, "ocean").size(), 2u);
  EXPECT_EQ(matches(db, "whales").size(), 1u);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM atoms_fts_docsize"), 2);
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM text_embedder_stats") + scalar(db, "SELECT count(*) FROM text_embedder_corpus"), 0);
  insert_text_atom(db, "Ocean liners");
  EXPECT_EQ(matches(db, "ocean").size(), 3u);
  expect_check_passes(db);
}

}  // namespace
}  // namespace hart::test
