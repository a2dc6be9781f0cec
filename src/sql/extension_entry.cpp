// Entry point of the loadable extension: `.load ./hartonomous` in the sqlite3 shell.
#include "store/sqlite_api.h"
SQLITE_EXTENSION_INIT1

#include "sql/register.h"

extern "C" __attribute__((visibility("default"))) int sqlite3_hartonomous_init(
    sqlite3* db, char** err, const sqlite3_api_routines* api) {
  SQLITE_EXTENSION_INIT2(api);
  return hart::register_sql(db, err);
}
