// Argument checks shared by the scalar functions that run models.
#pragma once
#include <string>

#include "store/sqlite_api.h"

namespace hart {

// True when `v` is text; else sets the error "<fn>: <what> must be text" on `ctx`.
inline bool require_text(sqlite3_context* ctx, sqlite3_value* v, const char* fn, const char* what) {
  if (sqlite3_value_type(v) == SQLITE_TEXT) return true;
  std::string msg = std::string(fn) + ": " + what + " must be text";
  sqlite3_result_error(ctx, msg.c_str(), -1);
  return false;
}

}  // namespace hart
