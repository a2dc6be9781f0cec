// hart_vectors in the three SQLite hosts the extension must serve: the sqlite3 shell,
// Debian's Python sqlite3 module and Node's better-sqlite3 (v12, its own SQLite). Each
// creates a collection, inserts, seals, deletes and runs filtered KNN queries, then
// searches atoms' text with FTS5 and search() on the same Hartonomous file.
#include "../store/store_fixture.h"
#include "engine/atom_vectors.h"
#include "support/sqlite_hosts.h"

namespace hart::test {
namespace {

// One statement per line: the hosts split on newlines.
const char* kScript =
    "CREATE VIRTUAL TABLE items USING hart_vectors(embedding float[4] distance_metric=cosine, category text, year integer)\n"
    "INSERT INTO items(rowid, embedding, category, year) VALUES (1, '[1,0,0,0]', 'a', 2020), (2, '[0,1,0,0]', 'b', 2018), "
    "(3, '[0.9,0.1,0,0]', 'a', 2017), (4, '[0.5,0.5,0,0]', 'b', 2021)\n"
    "INSERT INTO items(items) VALUES ('seal')\n"
    "INSERT INTO items(rowid, embedding, category, year) VALUES (5, '[0.99,0.01,0,0]', 'b', 2022)\n"
    "DELETE FROM items WHERE rowid = 3\n"
    "SELECT rowid, printf('%.4f', distance) FROM items WHERE embedding MATCH '[1,0,0,0]' AND k = 3 ORDER BY distance\n"
    "SELECT rowid FROM items WHERE embedding MATCH '[1,0,0,0]' AND k = 2 AND category = 'b' AND year > 2020 ORDER BY distance\n"
    // Full-text search over atoms (FTS5 is compiled into every host): the triggers
    // index a new atom's text and drop it with the atom.
    "INSERT INTO atoms(sha256, modality, subtype, size, text) VALUES (randomblob(32), 'text', 'passage', 26, 'Fjords are drowned valleys')\n"
    "SELECT highlight(atoms_fts, 0, '[', ']') FROM atoms_fts WHERE atoms_fts MATCH 'fjord*' ORDER BY rank\n"
    "DELETE FROM atoms WHERE text LIKE 'Fjords%'\n"
    "SELECT count(*) FROM atoms_fts WHERE atoms_fts MATCH 'drowned'\n"
    // search() over atoms embedded before the host opened the file (SetUp).
    "SELECT s.found_by, a.text FROM search('glaciers carved the valleys', 1, 'fused') s JOIN atoms a ON a.id = s.atom_id\n"
    "SELECT a.text FROM search('a quiet harbour town', 1, 'exact') s JOIN atoms a ON a.id = s.atom_id\n";
// Row 3 is deleted; 5 is in the writable segment, the others sealed.
const char* kExpected =
    "1|0.0000\n5|0.0001\n4|0.2929\n5\n4\n[Fjords] are drowned valleys\n0\n"
    "fused|Glaciers carved these valleys over many thousands of years\nThe harbour town is quiet in winter\n";

class VectorHostsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    for (const char* text : {"Glaciers carved these valleys over many thousands of years",
                             "The harbour town is quiet in winter", "Bread rises when the yeast is warm"}) {
      Stmt st = db->prepare("INSERT INTO atoms(sha256, modality, subtype, size, text) VALUES (randomblob(32), 'text', 'passage', length(?1), ?1)");
      st.bind(1, std::string_view(text)).run();
    }
    embed_atoms(*db, {});
    db.reset();  // the host has the file to itself
  }
};

TEST_F(VectorHostsTest, SqliteShell) {
  EXPECT_EQ(run_in_sqlite_shell(dir.file("test.db"), kScript, dir.path()), kExpected);
}

TEST_F(VectorHostsTest, DebianPython) {
  // A float32 BLOB from Python's struct, as sqlite-vec's docs pass them.
  const std::string after =
      "import struct\n"
      "c.execute('INSERT INTO items(rowid, embedding) VALUES (?, ?)', (6, struct.pack('4f', 0, 0, 1, 0)))\n"
      "print(c.execute('SELECT rowid FROM items WHERE embedding MATCH ? AND k = 1', (struct.pack('4f', 0, 0, 2, 0),)).fetchone()[0])\n";
  EXPECT_EQ(run_in_python(dir.file("test.db"), kScript, dir.path(), after), std::string(kExpected) + "6\n");
}

TEST_F(VectorHostsTest, NodeBetterSqlite3) {
  // better-sqlite3's SQLite (3.41 or later) hands LIMIT to the table: sqlite-vec's other KNN form.
  const std::string script =
      std::string(kScript) + "SELECT rowid FROM items WHERE embedding MATCH '[0,1,0,0]' ORDER BY distance LIMIT 2\n";
  EXPECT_EQ(run_in_node(dir.file("test.db"), script, dir.path()), std::string(kExpected) + "2\n4\n");
}

}  // namespace
}  // namespace hart::test
