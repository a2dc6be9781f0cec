// hart_vectors in the three SQLite hosts the extension must serve: the sqlite3 shell,
// Debian's Python sqlite3 module and Node's better-sqlite3 (v12, its own SQLite). Each
// creates a collection, inserts, seals, deletes and runs filtered KNN queries, then
// searches atoms' text with FTS5 and search() on the same Hartonomous file.
#include <filesystem>

#include "../store/store_fixture.h"
#include "engine/atom_vectors.h"

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
    write_file(dir.file("script.sql"), kScript);
  }
  std::string extension() const { return binary_dir() + "/src/hartonomous"; }
};

TEST_F(VectorHostsTest, SqliteShell) {
  std::string statements = kScript, out;
  for (size_t at = statements.find('\n'); at != std::string::npos; at = statements.find('\n', at + 2))
    statements.insert(at, ";");
  write_file(dir.file("script.sql"), statements);
  const std::string cmd = "sqlite3 -batch '" + dir.file("test.db") + "' -cmd '.load " + extension() + "' < '" +
                          dir.file("script.sql") + "'";
  ASSERT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
  EXPECT_EQ(out, kExpected);
}

TEST_F(VectorHostsTest, DebianPython) {
  const std::string script =
      "import sqlite3, sys\n"
      "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
      "c.enable_load_extension(True)\n"
      "c.load_extension(sys.argv[2])\n"
      "for sql in open(sys.argv[3]).read().splitlines():\n"
      "    for row in c.execute(sql):\n"
      "        print('|'.join(str(v) for v in row))\n"
      // A float32 BLOB from Python's struct, as sqlite-vec's docs pass them.
      "import struct\n"
      "c.execute('INSERT INTO items(rowid, embedding) VALUES (?, ?)', (6, struct.pack('4f', 0, 0, 1, 0)))\n"
      "print(c.execute('SELECT rowid FROM items WHERE embedding MATCH ? AND k = 1', (struct.pack('4f', 0, 0, 2, 0),)).fetchone()[0])\n";
  write_file(dir.file("run.py"), script);
  std::string out;
  const std::string cmd = "/usr/bin/python3 '" + dir.file("run.py") + "' '" + dir.file("test.db") + "' '" + extension() +
                          "' '" + dir.file("script.sql") + "'";
  ASSERT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
  EXPECT_EQ(out, std::string(kExpected) + "6\n");
}

TEST_F(VectorHostsTest, NodeBetterSqlite3) {
  const std::string node_dir = source_dir() + "/tests/sql/node";
  ASSERT_TRUE(std::filesystem::exists(node_dir + "/node_modules/better-sqlite3"))
      << "better-sqlite3 is not installed: run `npm ci --prefix tests/sql/node` (the README's test command does)";
  // better-sqlite3's SQLite (3.41 or later) hands LIMIT to the table: sqlite-vec's other KNN form.
  write_file(dir.file("script.sql"),
             std::string(kScript) +
                 "SELECT rowid FROM items WHERE embedding MATCH '[0,1,0,0]' ORDER BY distance LIMIT 2\n");
  std::string out;
  const std::string cmd = "node '" + node_dir + "/run_script.js' '" + dir.file("test.db") + "' '" + extension() + "' '" +
                          dir.file("script.sql") + "'";
  ASSERT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
  EXPECT_EQ(out, std::string(kExpected) + "2\n4\n");
}

}  // namespace
}  // namespace hart::test
