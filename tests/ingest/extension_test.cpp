// The atom functions in the stock sqlite3 shell, through the loadable extension.
#include "ingest_fixture.h"

namespace hart::test {
namespace {

TEST_F(IngestTest, TheStockShellReadsAtomsThroughTheExtension) {
  std::string out;
  if (run_command("sqlite3 -version", &out) != 0) GTEST_SKIP() << "SKIPPED: the sqlite3 shell is missing";
  write_archive(path("pack.zip"), "zip", "none", {{"a.txt", "Packed text. Second sentence."}});
  options.content.passages = {16, 0};
  ingest({path("pack.zip")});
  db.reset();  // the shell has the file to itself
  std::string sql =
      "SELECT label FROM atom_children((SELECT atom_id FROM sources));"
      " SELECT group_concat(atom_text(atom_id), '|') FROM atom_parts((SELECT atom_id FROM sources)) WHERE depth = 2;"
      " SELECT length(atom_payload((SELECT atom_id FROM sources))) = (SELECT a.size FROM atoms a JOIN sources s ON s.atom_id = a.id);"
      " DELETE FROM sources; SELECT atom_gc(); SELECT count(*) FROM atoms;";
  ASSERT_EQ(run_command("sqlite3 -batch '" + path("t.db") + "' '.load " + binary_dir() + "/src/hartonomous' \"" + sql + "\"",
                        &out), 0) << out;
  EXPECT_EQ(out, "a.txt\nPacked text.|Second sentence.\n1\n4\n0\n");
}

}  // namespace
}  // namespace hart::test
