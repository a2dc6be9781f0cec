// Registers every Hartonomous SQL function and virtual table on a connection. The
// front ends call it (the CLI after opening a database, the extension's entry
// point); the store below never does.
#pragma once
#include <string>
#include <vector>

#include "store/database.h"
#include "store/sqlite_api.h"

namespace hart {

// Returns SQLITE_OK, or an error code with *err set (sqlite3_malloc'd) when err != nullptr.
int register_sql(sqlite3* db, char** err);
// Throws Error naming the database when registration fails.
void register_sql(Database& db);

// One registered name, for documentation and tests.
struct SqlName {
  std::string name;
  int n_args;         // functions: the argument count (-1 any); modules: -1
  bool module;        // a virtual-table module (table-valued function)
  bool direct_only;   // SQLITE_DIRECTONLY / SQLITE_VTAB_DIRECTONLY: not from views or triggers
};
std::vector<SqlName> sql_surface();

}  // namespace hart
