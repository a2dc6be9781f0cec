// The whole SQL surface in two tables: every function and virtual-table module, with
// its name, arguments and flags. Names: verbs that other extensions could also define
// (generate, embed, tokenize, generate_tokens, search, perplexity, eval) are registered
// as hart_<verb>, with the bare verb kept as an alias; the rest are already ours
// (weights, atom_*, tensor_*, compare_models).
//
// Flags: whatever writes to the database or runs a model is SQLITE_DIRECTONLY, so a
// view or trigger in a database someone else made cannot call it; what only reads is
// SQLITE_INNOCUOUS; what depends on nothing but its arguments is also
// SQLITE_DETERMINISTIC. A function that reads its arguments' subtypes (the vector
// functions: sql/vector_arg.h) carries SQLITE_SUBTYPE, and one that sets its result's
// also SQLITE_RESULT_SUBTYPE: SQLite 3.45 and later (better-sqlite3's) may drop
// subtypes that a function did not declare.
#include "sql/register.h"

#include <string>

#include "sql/surface.h"
#include "store/inferences.h"
#include "store/settings.h"
#include "sql/vtab.h"
#include "util/error.h"

#ifndef HART_VERSION
#error "HART_VERSION is set by src/CMakeLists.txt"
#endif

namespace hart {

namespace {

constexpr int kReads = SQLITE_UTF8 | SQLITE_INNOCUOUS;
constexpr int kPure = SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC;
constexpr int kRuns = SQLITE_UTF8 | SQLITE_DIRECTONLY;  // writes, or runs a model
#ifndef SQLITE_RESULT_SUBTYPE
#define SQLITE_RESULT_SUBTYPE 0x001000000  // SQLite 3.45; older versions ignore the flag
#endif
constexpr int kVectorIn = kPure | SQLITE_SUBTYPE;               // reads vector arguments
constexpr int kVectorOut = kVectorIn | SQLITE_RESULT_SUBTYPE;   // and returns a vector

void hart_version_fn(sqlite3_context* ctx, int, sqlite3_value**) {
  sqlite3_result_text(ctx, HART_VERSION, -1, SQLITE_STATIC);
}

// hart_setting(name) reads a database setting (store/settings.h); hart_setting(name,
// value) checks and stores it, returning the value now in force.
void hart_setting_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  sqlite3* db = sqlite3_context_db_handle(ctx);
  auto text = [](sqlite3_value* v) {
    const unsigned char* t = sqlite3_value_text(v);
    return std::string(t ? reinterpret_cast<const char*>(t) : "");
  };
  try {
    const std::string name = text(argv[0]);
    if (argc == 2) write_setting(db, name, text(argv[1]));
    const std::string value = read_setting(db, name);
    sqlite3_result_text(ctx, value.c_str(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("hart_setting: ") + e.what()).c_str(), -1);
  }
}

// This process's late inference records (store/inferences.h) as JSON.
void hart_inference_log_fn(sqlite3_context* ctx, int, sqlite3_value**) {
  std::string json = to_json(inference_log_status());
  sqlite3_result_text(ctx, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
}

struct SqlFunction {
  const char* name;
  const char* alias;  // today's name kept working, or nullptr
  int n_args;         // -1: any number
  int flags;
  SqlFunctionImpl impl;               // a scalar function; for an aggregate its step,
  SqlFinalImpl final_impl = nullptr;  // and this its result
};

constexpr SqlFunction kFunctions[] = {
    {"hart_version", nullptr, 0, kPure, hart_version_fn},
    {"hart_generate", "generate", 2, kRuns, generate_fn},
    {"hart_generate", "generate", 3, kRuns, generate_fn},
    {"hart_chat", "chat", 2, kRuns, chat_fn},
    {"hart_chat", "chat", 3, kRuns, chat_fn},
    {"hart_tokenize", "tokenize", 2, kRuns, tokenize_fn},
    {"hart_embed", "embed", 2, kRuns, embed_fn},
    {"importance", nullptr, 2, kRuns, importance_fn},
    {"importance", nullptr, 3, kRuns, importance_fn},
    {"importance", nullptr, 4, kRuns, importance_fn},
    {"extract_student", nullptr, 3, kRuns, extract_student_fn},
    {"extract_student", nullptr, 4, kRuns, extract_student_fn},
    {"hart_perplexity", "perplexity", 2, kRuns, perplexity_fn},
    {"hart_perplexity", "perplexity", 3, kRuns, perplexity_fn},
    {"hart_eval", "eval", 2, kRuns, eval_fn},
    {"hart_eval", "eval", 3, kRuns, eval_fn},
    {"compare_models", nullptr, 3, kRuns, compare_models_fn},
    {"compare_models", nullptr, 4, kRuns, compare_models_fn},
    {"atom_text", nullptr, 1, kReads, atom_text_fn},
    {"atom_payload", nullptr, 1, kReads, atom_payload_fn},
    {"atom_gc", nullptr, 0, kRuns, atom_gc_fn},
    {"atom_features", nullptr, 2, kRuns, atom_features_fn},  // may run a stored model
    {"tensor_geometry", nullptr, 1, kReads, tensor_geometry_fn},
    {"tensor_geometry", nullptr, 3, kReads, tensor_geometry_fn},
    {"weights_scan_stats", nullptr, 0, kReads, weights_scan_stats_fn},
    {"hart_vectors_last_search", nullptr, 0, kReads, vectors_last_search_fn},
    {"hart_vectors_maintenance", nullptr, 0, kReads, vectors_maintenance_fn},
    {"hart_vectors_maintenance", nullptr, 1, kReads, vectors_maintenance_fn},
    {"hart_inference_log", nullptr, 0, kReads, hart_inference_log_fn},
    {"hart_setting", nullptr, 1, kReads, hart_setting_fn},
    {"hart_setting", nullptr, 2, kRuns, hart_setting_fn},
    {"hvec_f32", nullptr, 1, kVectorOut, hvec_f32_fn},
    {"hvec_int8", nullptr, 1, kVectorOut, hvec_int8_fn},
    {"hvec_bit", nullptr, 1, kVectorOut, hvec_bit_fn},
    {"hvec_to_json", nullptr, 1, kVectorIn, hvec_to_json_fn},
    {"hvec_length", nullptr, 1, kVectorIn, hvec_length_fn},
    {"hvec_type", nullptr, 1, kVectorIn, hvec_type_fn},
    {"hvec_distance_l2", nullptr, 2, kVectorIn, hvec_distance_l2_fn},
    {"hvec_distance_cosine", nullptr, 2, kVectorIn, hvec_distance_cosine_fn},
    {"hvec_distance_dot", nullptr, 2, kVectorIn, hvec_distance_dot_fn},
    {"hvec_distance_l1", nullptr, 2, kVectorIn, hvec_distance_l1_fn},
    {"hvec_distance_hamming", nullptr, 2, kVectorIn, hvec_distance_hamming_fn},
    {"hvec_normalize", nullptr, 1, kVectorOut, hvec_normalize_fn},
    {"hvec_add", nullptr, 2, kVectorOut, hvec_add_fn},
    {"hvec_sub", nullptr, 2, kVectorOut, hvec_sub_fn},
    {"hvec_scale", nullptr, 2, kVectorOut, hvec_scale_fn},
    {"hvec_slice", nullptr, 3, kVectorOut, hvec_slice_fn},
    {"hvec_quantize_binary", nullptr, 1, kVectorOut, hvec_quantize_binary_fn},
    {"hvec_quantize_int8", nullptr, 2, kVectorOut, hvec_quantize_int8_fn},
    {"hvec_avg", nullptr, 1, kVectorOut, hvec_avg_step, hvec_avg_final},
    {"hvec_weighted_avg", nullptr, 2, kVectorOut, hvec_weighted_avg_step, hvec_weighted_avg_final},
    {"hvec_activation", nullptr, 1, kPure, hvec_activation_fn},
    {"hvec_activation", nullptr, 2, kVectorIn, hvec_activation_fn},
};

struct SqlModule {
  const char* name;
  const char* alias;
  const sqlite3_module* (*module)();
  VtabRegistration registration;  // its aux data and risk flag
};

const SqlModule kModules[] = {
    {"weights", nullptr, weights_module, {nullptr, SQLITE_VTAB_INNOCUOUS}},
    {"tensor_stats", nullptr, tensor_stats_module, {nullptr, SQLITE_VTAB_INNOCUOUS}},
    {"atom_children", nullptr, atom_graph_module, {atom_graph_walk(AtomGraph::kChildren), SQLITE_VTAB_INNOCUOUS}},
    {"atom_parts", nullptr, atom_graph_module, {atom_graph_walk(AtomGraph::kParts), SQLITE_VTAB_INNOCUOUS}},
    {"atom_wholes", nullptr, atom_graph_module, {atom_graph_walk(AtomGraph::kWholes), SQLITE_VTAB_INNOCUOUS}},
    {"hart_generate_tokens", "generate_tokens", generate_tokens_module, {nullptr, SQLITE_VTAB_DIRECTONLY}},
    {"hart_vectors", nullptr, vectors_module, {nullptr, 0}},
    {"hart_search", "search", search_module, {nullptr, SQLITE_VTAB_DIRECTONLY}},
};

}  // namespace

std::vector<SqlName> sql_surface() {
  std::vector<SqlName> out;
  for (const SqlFunction& f : kFunctions)
    for (const char* name : {f.name, f.alias})
      if (name) out.push_back({name, f.n_args, false, (f.flags & SQLITE_DIRECTONLY) != 0});
  for (const SqlModule& m : kModules)
    for (const char* name : {m.name, m.alias})
      if (name) out.push_back({name, -1, true, m.registration.risk == SQLITE_VTAB_DIRECTONLY});
  return out;
}

int register_sql(sqlite3* db, char** err) {
  int rc = SQLITE_OK;
  std::string failed;
  for (const SqlFunction& f : kFunctions)
    for (const char* name : {f.name, f.alias})
      if (name && rc == SQLITE_OK) {
        rc = f.final_impl ? sqlite3_create_function(db, name, f.n_args, f.flags, nullptr, nullptr, f.impl, f.final_impl)
                          : sqlite3_create_function(db, name, f.n_args, f.flags, nullptr, f.impl, nullptr, nullptr);
        failed = name;
      }
  for (const SqlModule& m : kModules)
    for (const char* name : {m.name, m.alias})
      if (name && rc == SQLITE_OK) {
        rc = sqlite3_create_module(db, name, m.module(), const_cast<VtabRegistration*>(&m.registration));
        failed = name;
      }
  if (rc != SQLITE_OK && err)
    *err = sqlite3_mprintf("hartonomous: registering %s failed: %s", failed.c_str(), sqlite3_errmsg(db));
  return rc;
}

void register_sql(Database& db) {
  char* err = nullptr;
  if (register_sql(db.handle(), &err) == SQLITE_OK) return;
  std::string msg = err ? err : "unknown error";
  sqlite3_free(err);
  throw Error(db.path() + ": " + msg);
}

}  // namespace hart
