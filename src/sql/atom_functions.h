#pragma once
#include "store/sqlite_api.h"

namespace hart {

// atom_text(id), atom_payload(id), atom_gc(), and the table-valued functions
// atom_children(id), atom_parts(id), atom_wholes(id).
int register_atom_functions(sqlite3* db);

}  // namespace hart
