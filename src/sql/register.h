// Registers every Hartonomous SQL function and virtual table on a connection.
// The front ends call it (the CLI after opening a database, the extension's entry
// point); the store below never does.
#pragma once
#include "store/database.h"
#include "store/sqlite_api.h"

namespace hart {

// Returns SQLITE_OK, or an error code with *err set (sqlite3_malloc'd) when err != nullptr.
int register_sql(sqlite3* db, char** err);
// Throws Error naming the database when registration fails.
void register_sql(Database& db);

}  // namespace hart
