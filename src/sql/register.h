// Registers every Hartonomous SQL function and virtual table on a connection.
#pragma once
#include "store/sqlite_api.h"

namespace hart {

// Returns SQLITE_OK, or an error code with *err set (sqlite3_malloc'd) when err != nullptr.
int register_sql(sqlite3* db, char** err);

}  // namespace hart
