#include "support/sqlite_hosts.h"

#include <filesystem>

#include "support/test_support.h"

namespace hart::test {

std::string extension_path() { return binary_dir() + "/src/hartonomous"; }

std::string run_in_sqlite_shell(const std::string& db, const std::string& script, const std::string& scratch_dir) {
  std::string statements = script, out;
  for (size_t at = statements.find('\n'); at != std::string::npos; at = statements.find('\n', at + 2))
    statements.insert(at, ";");
  const std::string file = scratch_dir + "/shell_script.sql";
  write_file(file, statements);
  const std::string cmd = "sqlite3 -batch '" + db + "' -cmd '.load " + extension_path() + "' < '" + file + "' 2>&1";
  EXPECT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
  return out;
}

std::string run_in_python(const std::string& db, const std::string& script, const std::string& scratch_dir,
                          const std::string& python_after) {
  const std::string runner =
      "import sqlite3, sys\n"
      "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
      "c.enable_load_extension(True)\n"
      "c.load_extension(sys.argv[2])\n"
      "for sql in open(sys.argv[3]).read().splitlines():\n"
      "    for row in c.execute(sql):\n"
      "        print('|'.join(str(v) for v in row))\n" +
      python_after;
  write_file(scratch_dir + "/run.py", runner);
  write_file(scratch_dir + "/python_script.sql", script);
  std::string out;
  const std::string cmd = "/usr/bin/python3 '" + scratch_dir + "/run.py' '" + db + "' '" + extension_path() + "' '" +
                          scratch_dir + "/python_script.sql' 2>&1";
  EXPECT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
  return out;
}

std::string run_in_node(const std::string& db, const std::string& script, const std::string& scratch_dir) {
  const std::string node_dir = source_dir() + "/tests/sql/node";
  if (!std::filesystem::exists(node_dir + "/node_modules/better-sqlite3")) {
    ADD_FAILURE() << "better-sqlite3 is not installed: run `npm ci --prefix tests/sql/node` (the README's test command does)";
    return "";
  }
  write_file(scratch_dir + "/node_script.sql", script);
  std::string out;
  const std::string cmd = "node '" + node_dir + "/run_script.js' '" + db + "' '" + extension_path() + "' '" +
                          scratch_dir + "/node_script.sql' 2>&1";
  EXPECT_EQ(run_command(cmd, &out), 0) << cmd << "\n" << out;
  return out;
}

}  // namespace hart::test
