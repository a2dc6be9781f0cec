// Runs a script of SQL statements (one per line) in the three SQLite hosts the
// loadable extension must serve, and returns what each printed: rows of statements
// that return rows, columns joined by '|'. Each ASSERTs (through gtest) that the host
// ran without error; the return value is then its output.
#pragma once
#include <string>

namespace hart::test {

std::string extension_path();  // the built extension, without its suffix (as .load takes it)

// The sqlite3 shell (Debian's, SQLite 3.40).
std::string run_in_sqlite_shell(const std::string& db, const std::string& script, const std::string& scratch_dir);
// Debian's /usr/bin/python3 and its sqlite3 module (the same SQLite), autocommit.
std::string run_in_python(const std::string& db, const std::string& script, const std::string& scratch_dir,
                          const std::string& python_after = "");
// Node's better-sqlite3 v12 (its own SQLite); empty with a failure when not installed.
std::string run_in_node(const std::string& db, const std::string& script, const std::string& scratch_dir);

}  // namespace hart::test
