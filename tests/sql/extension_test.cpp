// The loadable extension in the stock sqlite3 shell: `.load` it and use the same
// tables and functions as `hart sql`.
#include <filesystem>

#include "sql_fixture.h"

namespace hart::test {
namespace {

// A cosine distance, and an int8 vector's subtype carried into hvec_to_json: a host
// whose SQLite dropped it would read the two bytes as float32 and fail.
constexpr const char* kVectorSql =
    "SELECT printf('%.4f', hvec_distance_cosine('[1,2]', '[2,1]')) || ' ' || hvec_to_json(hvec_int8('[1,-2]'))";
constexpr const char* kVectorResult = "0.2000 [1,-2]\n";

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
  EXPECT_EQ(shell(std::string(kVectorSql) + ";"), kVectorResult);
}

TEST_F(ExtensionTest, ShellSeesSameValuesAsTheEngine) {
  int64_t sum_bits = scalar(*db, "SELECT sum(CAST(value * 1e6 AS INTEGER)) FROM weights WHERE kind = 'attn_q'");
  db.reset();
  EXPECT_EQ(shell("SELECT sum(CAST(value * 1e6 AS INTEGER)) FROM weights WHERE kind = 'attn_q';"),
            std::to_string(sum_bits) + "\n");
}

// Python's sqlite3 module resolves only the API table's functions: an extension that
// calls anything else (sqlite3_config, say) fails to load with "undefined symbol".
TEST_F(ExtensionTest, DebianPythonLoadsTheExtension) {
  std::string out;
  ASSERT_EQ(run_command("/usr/bin/python3 -c 'import sqlite3'", &out), 0)
      << "Debian's /usr/bin/python3 is missing; install the python3 package (the README's test command does)";
  const int64_t all = scalar(*db, "SELECT count(*) FROM weights WHERE model = 'm'");
  db.reset();
  const std::string script =
      "import sqlite3, sys\n"
      "c = sqlite3.connect(sys.argv[1])\n"
      "c.enable_load_extension(True)\n"
      "c.load_extension(sys.argv[2])\n"
      "print(c.execute(\"SELECT count(*) FROM weights WHERE model = 'm'\").fetchone()[0])\n"
      "print(c.execute(sys.argv[3]).fetchone()[0])\n";
  const std::string script_path = dir.file("load.py");
  write_file(script_path, script);
  const std::string cmd = "/usr/bin/python3 " + script_path + " '" + dir.file("test.db") + "' '" + binary_dir() +
                          "/src/hartonomous' \"" + kVectorSql + "\"";
  ASSERT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
  EXPECT_EQ(out, std::to_string(all) + "\n" + kVectorResult);
}

// Node's better-sqlite3 (v12) carries its own SQLite build and hands the extension
// its API table: the third host the extension must work in. scripts/test.sh installs
// it with `npm ci --prefix tests/sql/node`.
TEST_F(ExtensionTest, NodeBetterSqlite3LoadsTheExtension) {
  const std::string node_dir = source_dir() + "/tests/sql/node";
  std::string out;
  ASSERT_EQ(run_command("node --version", &out), 0) << "Node.js is missing (Node 20 and npm are needed for this test)";
  ASSERT_TRUE(std::filesystem::exists(node_dir + "/node_modules/better-sqlite3"))
      << "better-sqlite3 is not installed: run `npm ci --prefix tests/sql/node` (the README's test command does)";
  const int64_t all = scalar(*db, "SELECT count(*) FROM weights WHERE model = 'm'");
  const int64_t near_one = scalar(*db, "SELECT count(*) FROM weights WHERE value BETWEEN 0.9 AND 1.1 AND layer = 0");
  db.reset();
  auto node = [&](const std::string& sql, const std::string& setup = "") {
    const std::string cmd = "node '" + node_dir + "/load_extension.js' '" + dir.file("test.db") + "' '" +
                            binary_dir() + "/src/hartonomous' \"" + sql + "\" \"" + setup + "\"";
    EXPECT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
    return out;
  };
  EXPECT_EQ(node("SELECT count(*) FROM weights WHERE model = 'm'"), std::to_string(all) + "\n");
  EXPECT_EQ(node("SELECT count(*) FROM weights WHERE value BETWEEN 0.9 AND 1.1 AND layer = 0"),
            std::to_string(near_one) + "\n");
  EXPECT_EQ(node("SELECT hart_version()"), std::string(HART_TEST_VERSION) + "\n");
  EXPECT_EQ(node(kVectorSql), kVectorResult);
  // Where the planner could read hvec_int8(x) from an index on it, SQLite 3.45 and later
  // keep the subtype only because hvec_int8 declares SQLITE_RESULT_SUBTYPE (without it
  // this fails). Debian's 3.40 predates the flag and reads the index: README.md,
  // "Vector functions".
  EXPECT_EQ(node("SELECT hvec_to_json(hvec_int8(x)) FROM vec_check WHERE hvec_int8(x) = X'01FE'",
                 "CREATE TABLE vec_check(x); INSERT INTO vec_check VALUES ('[1,-2]');"
                 " CREATE INDEX vec_check_int8 ON vec_check(hvec_int8(x));"),
            "[1,-2]\n");
}

}  // namespace
}  // namespace hart::test
