#pragma once
#include "store/sqlite_api.h"

namespace hart {

int register_weights_vtab(sqlite3* db);

}  // namespace hart
