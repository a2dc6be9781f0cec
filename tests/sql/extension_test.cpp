// The loadable extension in the stock sqlite3 shell: `.load` it and use the same
// tables and functions as `hart sql`.
#include "sql_fixture.h"

namespace hart::test {
namespace {

class ExtensionTest : public SqlTest {
 protected:
  std::string shell(const std::string& sql) {
    std::string out;
    std::string cmd = "sqlite3 -batch '" + dir.file("test.db") + "' '.load " + binary_dir() +
                      "/src/hartonomous' \"" + sql + "\"";
    int rc = run_command(cmd, &out);
    EXPECT_EQ(rc, 0) << cmd << "\n" << out;
    return out;
  }
};

TEST_F(ExtensionTest, StockShellLoadsTheExtension) {
  std::string out;
  ASSERT_EQ(run_command("sqlite3 -version", &out), 0)
      << "the sqlite3 shell is missing; install Debian's sqlite3 package (the README's test command does)";
  int64_t all = scalar(*db, "SELECT count(*) FROM weights WHERE model = 'm'");
  int64_t near_one = scalar(*db, "SELECT count(*) FROM weights WHERE value BETWEEN 0.9 AND 1.1 AND layer = 0");
  ASSERT_GT(near_one, 200);
  db.reset();  // let the shell have the file to itself
  EXPECT_EQ(shell("SELECT count(*) FROM weights WHERE model = 'm';"), std::to_string(all) + "\n");
  EXPECT_EQ(shell("SELECT count(*) FROM weights WHERE value BETWEEN 0.9 AND 1.1 AND layer = 0;"
                  " SELECT json_extract(weights_scan_stats(), '$.chunks_read');"),
            std::to_string(near_one) + "\n1\n");
  EXPECT_EQ(shell("SELECT count FROM tensor_stats('m') WHERE tensor = 'token_embd.weight';"), "76800\n");
  EXPECT_EQ(shell("SELECT length(tensor_geometry(id, 0, 10)) FROM tensors WHERE name = 'token_embd.weight';"),
            "329\n");
}

TEST_F(ExtensionTest, ShellSeesSameValuesAsTheEngine) {
  int64_t sum_bits = scalar(*db, "SELECT sum(CAST(value * 1e6 AS INTEGER)) FROM weights WHERE kind = 'attn_q'");
  db.reset();
  EXPECT_EQ(shell("SELECT sum(CAST(value * 1e6 AS INTEGER)) FROM weights WHERE kind = 'attn_q';"),
            std::to_string(sum_bits) + "\n");
}

}  // namespace
}  // namespace hart::test
