#pragma once
#include "store/sqlite_api.h"

namespace hart {

// generate(), tokenize() and the generate_tokens table-valued function.
int register_inference_functions(sqlite3* db);

}  // namespace hart
