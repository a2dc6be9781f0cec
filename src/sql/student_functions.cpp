// Students from SQL (student/):
//   importance(model, method [, calibration_query [, options_json]])  -> JSON report
//     options: ctx, max_tokens, threads
//   extract_student(parent, name, query [, options_json])             -> JSON report
// Both write in their own transactions, so they are called outside BEGIN ... COMMIT.
#include <nlohmann/json.hpp>
#include <string>

#include "sql/surface.h"
#include "store/database.h"
#include "student/importance.h"
#include "student/student.h"
#include "util/error.h"

namespace hart {
namespace {

std::string arg_text(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? reinterpret_cast<const char*>(t) : "";
}

void result_json(sqlite3_context* ctx, const std::string& json) {
  sqlite3_result_text(ctx, json.c_str(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
}

void fail(sqlite3_context* ctx, const char* fn, const std::exception& e) {
  std::string msg = std::string(fn) + ": " + e.what();
  if (!sqlite3_get_autocommit(sqlite3_context_db_handle(ctx)))
    msg += " (it writes in its own transactions: call it outside BEGIN ... COMMIT)";
  sqlite3_result_error(ctx, msg.c_str(), -1);
}

}  // namespace

void importance_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  try {
    ImportanceOptions o;
    o.method = arg_text(argv[1]);
    if (argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL) o.calibration = arg_text(argv[2]);
    if (argc > 3 && sqlite3_value_type(argv[3]) != SQLITE_NULL) {
      auto j = nlohmann::json::parse(arg_text(argv[3]), nullptr, false);
      if (!j.is_object()) throw UsageError("importance options must be a JSON object");
      for (auto& [k, v] : j.items()) {
        if (!v.is_number_integer()) throw UsageError("importance option '" + k + "' must be an integer");
        if (k == "ctx") o.ctx = v.get<int>();
        else if (k == "max_tokens") o.max_tokens = v.get<int64_t>();
        else if (k == "threads") o.threads = v.get<int>();
        else throw UsageError("unknown importance option '" + k + "' (known: ctx, max_tokens, threads)");
      }
    }
    Database db(sqlite3_context_db_handle(ctx));
    result_json(ctx, compute_importance(db, arg_text(argv[0]), o).to_json());
  } catch (const std::exception& e) {
    fail(ctx, "importance", e);
  }
}

void extract_student_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  try {
    Database db(sqlite3_context_db_handle(ctx));
    std::string options = argc > 3 && sqlite3_value_type(argv[3]) != SQLITE_NULL ? arg_text(argv[3]) : "";
    result_json(ctx, extract_student(db, arg_text(argv[0]), arg_text(argv[1]), arg_text(argv[2]), options).to_json());
  } catch (const std::exception& e) {
    fail(ctx, "extract_student", e);
  }
}

}  // namespace hart
