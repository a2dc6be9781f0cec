#include "sql/register.h"

#include "sql/atom_functions.h"
#include "sql/geometry.h"
#include "sql/inference_functions.h"
#include "sql/scan_stats.h"
#include "sql/tensor_stats_vtab.h"
#include "sql/weights_vtab.h"
#include "util/error.h"

namespace hart {

int register_sql(sqlite3* db, char** err) {
  int (*const steps[])(sqlite3*) = {register_weights_vtab, register_tensor_stats_vtab, register_geometry,
                                    register_scan_stats, register_inference_functions,
                                    register_atom_functions};
  for (auto step : steps) {
    int rc = step(db);
    if (rc != SQLITE_OK) {
      if (err) *err = sqlite3_mprintf("hartonomous: registering SQL functions failed: %s", sqlite3_errmsg(db));
      return rc;
    }
  }
  return SQLITE_OK;
}

void register_sql(Database& db) {
  char* err = nullptr;
  if (register_sql(db.handle(), &err) == SQLITE_OK) return;
  std::string msg = err ? err : "unknown error";
  sqlite3_free(err);
  throw Error(db.path() + ": " + msg);
}

}  // namespace hart
