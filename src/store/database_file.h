// Where a database name points on disk, and how to open it when that place cannot be
// written. A name may be a plain path or an SQLite URI filename ("file:x.db?mode=ro",
// https://www.sqlite.org/uri.html), which passes options such as immutable=1 through.
#pragma once
#include <string>

namespace hart {

bool is_sqlite_uri(const std::string& name);

// The file a name refers to: the path itself, or a URI's path with %HH decoded.
std::string database_file_path(const std::string& name);

// The SQLite URI that opens `name` (a path or a URI) read-only (mode=ro): queries work,
// and any statement that would write fails.
std::string read_only_uri(const std::string& name);

// How to open an existing database file `path` (a plain path) that this process may
// not be able to write.
struct ReadOnlyOpen {
  bool read_only = false;  // the file or its directory cannot be written
  std::string name;        // what to pass to sqlite3_open_v2 (maybe an immutable=1 URI)
};

// A WAL database whose directory cannot be written can be read only if its -wal and
// -shm files already exist, or as immutable (https://www.sqlite.org/wal.html, "Read-Only
// Databases"). Immutable is chosen only when there is no -wal content it would ignore;
// a non-empty -wal without its -shm is a UsageError saying what to do.
ReadOnlyOpen plan_existing_open(const std::string& path);

}  // namespace hart
