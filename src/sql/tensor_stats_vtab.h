#pragma once
#include "store/sqlite_api.h"

namespace hart {

int register_tensor_stats_vtab(sqlite3* db);

}  // namespace hart
