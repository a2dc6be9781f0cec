// Every SQL function and virtual-table module the extension defines, as the files
// that implement them export them. sql/register.cpp lists them in one table with
// their names, arguments and flags; nothing else registers SQL.
#pragma once
#include <string>

#include "store/sqlite_api.h"

namespace hart {

using SqlFunctionImpl = void (*)(sqlite3_context*, int, sqlite3_value**);

// atom_functions.cpp — content atoms
void atom_text_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void atom_payload_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void atom_gc_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
enum class AtomGraph { kChildren, kParts, kWholes };
const sqlite3_module* atom_graph_module();
struct AtomGraphWalk;
const AtomGraphWalk* atom_graph_walk(AtomGraph which);  // the module's aux data

// inference_functions.cpp — running models
void generate_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void tokenize_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void embed_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
const sqlite3_module* generate_tokens_module();

// weights_vtab.cpp, tensor_stats_vtab.cpp, geometry.cpp, scan_stats.cpp — stored weights
const sqlite3_module* weights_module();
const sqlite3_module* tensor_stats_module();
void tensor_geometry_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void weights_scan_stats_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// vectors_vtab.cpp — vector collections (hart_vectors)
const sqlite3_module* vectors_module();

}  // namespace hart
