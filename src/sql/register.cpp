#include "sql/register.h"

namespace hart {

int register_sql(sqlite3* db, char** err) { return SQLITE_OK; }

}  // namespace hart
