// Every SQL function and virtual-table module the extension defines, as the files
// that implement them export them. sql/register.cpp lists them in one table with
// their names, arguments and flags; nothing else registers SQL.
#pragma once
#include <string>

#include "store/sqlite_api.h"

namespace hart {

using SqlFunctionImpl = void (*)(sqlite3_context*, int, sqlite3_value**);  // scalar, or an aggregate's step
using SqlFinalImpl = void (*)(sqlite3_context*);                            // an aggregate's result

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
void chat_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void tokenize_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void embed_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
const sqlite3_module* generate_tokens_module();

// student_functions.cpp — importance scores and students
void importance_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void extract_student_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
// evaluation_functions.cpp — perplexity and teacher/student comparison
void perplexity_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void eval_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void compare_models_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// weights_vtab.cpp, tensor_stats_vtab.cpp, geometry.cpp, scan_stats.cpp — stored weights
const sqlite3_module* weights_module();
const sqlite3_module* tensor_stats_module();
void tensor_geometry_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void weights_scan_stats_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// search_vtab.cpp — atoms found by meaning, words or both (hart_search), and an atom's
// vector as an embedder makes it (the query for "more like this")
const sqlite3_module* search_module();
void atom_features_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// vectors_vtab.cpp — vector collections (hart_vectors); scan_stats.cpp shows its last search
const sqlite3_module* vectors_module();
void vectors_last_search_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
// The background sealing and merging of this process (search/maintenance.h) as JSON,
// after waiting up to argv[0] ms for it to finish when given.
void vectors_maintenance_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);

// vector_functions.cpp — vectors (sqlite-vec's functions under the hvec_ prefix)
void hvec_f32_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_int8_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_bit_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_to_json_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_length_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_type_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_distance_l2_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_distance_cosine_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_distance_dot_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_distance_l1_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_distance_hamming_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_normalize_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_add_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_sub_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_scale_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_slice_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_quantize_binary_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_quantize_int8_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_activation_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_avg_step(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_avg_final(sqlite3_context* ctx);
void hvec_weighted_avg_step(sqlite3_context* ctx, int argc, sqlite3_value** argv);
void hvec_weighted_avg_final(sqlite3_context* ctx);

}  // namespace hart
