// POST /v1/sql: one SQL statement over the database, answered as JSON rows. A query runs
// on its own read-only connection; a statement that writes needs the sql-write scope
// and runs on a write connection in its own transaction. Both stop at the server's
// time limit and row limit (as Datasette's sql_time_limit_ms and max_returned_rows),
// which a request may lower but not raise.
#include <cctype>
#include <chrono>

#include "server/openai_api.h"
#include "server/server_state.h"
#include "store/database_file.h"
#include "util/sha256.h"

namespace hart::server {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Limits {
  int64_t max_rows;
  Clock::time_point deadline;
  int64_t time_limit_ms;
};

int past_deadline(void* p) { return Clock::now() >= static_cast<const Limits*>(p)->deadline ? 1 : 0; }

int64_t lowered(const json& body, const char* field, int64_t server_max) {
  if (!body.contains(field)) return server_max;
  const json& v = body[field];
  if (!v.is_number_integer() || v.get<int64_t>() < 1)
    throw bad_request(std::string("'") + field + "' must be a positive integer", field);
  return std::min(v.get<int64_t>(), server_max);
}

void bind_params(sqlite3_stmt* st, const json& params) {
  auto bind_one = [&](int i, const json& v, const std::string& name) {
    int rc = SQLITE_OK;
    if (v.is_null()) rc = sqlite3_bind_null(st, i);
    else if (v.is_boolean()) rc = sqlite3_bind_int64(st, i, v.get<bool>() ? 1 : 0);
    else if (v.is_number_integer()) rc = sqlite3_bind_int64(st, i, v.get<int64_t>());
    else if (v.is_number()) rc = sqlite3_bind_double(st, i, v.get<double>());
    else if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      rc = sqlite3_bind_text64(st, i, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else
      throw bad_request("parameter " + name + " must be null, a boolean, a number or a string", "params");
    if (rc != SQLITE_OK) throw bad_request("parameter " + name + ": " + sqlite3_errstr(rc), "params");
  };
  const int n = sqlite3_bind_parameter_count(st);
  if (params.is_null()) {
    if (n > 0) throw bad_request("the statement has " + std::to_string(n) + " parameter(s): give 'params'", "params");
  } else if (params.is_array()) {
    if (static_cast<int>(params.size()) != n)
      throw bad_request("the statement has " + std::to_string(n) + " parameter(s) and 'params' holds " +
                            std::to_string(params.size()), "params");
    for (int i = 0; i < n; ++i) bind_one(i + 1, params[static_cast<size_t>(i)], std::to_string(i + 1));
  } else if (params.is_object()) {
    for (int i = 1; i <= n; ++i) {
      const char* name = sqlite3_bind_parameter_name(st, i);
      if (!name) throw bad_request("parameter " + std::to_string(i) + " has no name: give 'params' as an array", "params");
      const std::string key = name + 1;  // without its ':', '@' or '$'
      if (!params.contains(key)) throw bad_request(std::string("'params' has no value for ") + name, "params");
      bind_one(i, params[key], name);
    }
  } else {
    throw bad_request("'params' must be an array (for ?) or an object (for :name)", "params");
  }
}

json column_value(sqlite3_stmt* st, int c) {
  switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER: return sqlite3_column_int64(st, c);
    case SQLITE_FLOAT: return sqlite3_column_double(st, c);
    case SQLITE_TEXT:
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)),
                         static_cast<size_t>(sqlite3_column_bytes(st, c)));
    case SQLITE_BLOB:
      return json{{"$hex", to_hex(sqlite3_column_blob(st, c), static_cast<size_t>(sqlite3_column_bytes(st, c)))}};
    default: return nullptr;
  }
}

}  // namespace

void handle_sql(ServerState& state, const Caller& caller, const httplib::Request& req, httplib::Response& res) {
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw bad_request("the request body must be a JSON object with 'sql'");
  if (!body.contains("sql") || !body["sql"].is_string()) throw bad_request("'sql' must be a string: one SQL statement", "sql");
  const std::string sql = body["sql"];
  Limits limits{lowered(body, "max_rows", state.options.sql_max_rows), {},
                lowered(body, "time_limit_ms", state.options.sql_time_limit_ms)};

  // Prepared on a read-only connection first: SQLite says whether it writes.
  Database reader(read_only_uri(state.options.db_path), Database::Mode::kOpenExisting);
  std::unique_ptr<Database> writer;
  Database* db = &reader;
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  auto prepare = [&](Database& on) {
    // No ATTACH (nor VACUUM INTO): a statement reaches this database's file and no other.
    sqlite3_limit(on.handle(), SQLITE_LIMIT_ATTACHED, 0);
    if (sqlite3_prepare_v2(on.handle(), sql.c_str(), static_cast<int>(sql.size()), &st, &tail) != SQLITE_OK) {
      const std::string why = sqlite3_errmsg(on.handle());
      sqlite3_finalize(st);
      throw bad_request("SQL error: " + why, "sql");
    }
    if (!st) throw bad_request("'sql' holds no statement", "sql");
    for (; *tail; ++tail)
      if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') {
        sqlite3_finalize(st);
        throw bad_request("'sql' must be one statement; more follows: " + std::string(tail).substr(0, 60), "sql");
      }
  };
  prepare(reader);
  const bool writes = !sqlite3_stmt_readonly(st);
  if (writes) {
    sqlite3_finalize(st);
    if (!caller.allows(Scope::kSqlWrite))
      throw ApiError(403, "permission_error",
                     caller.keyless ? "this statement writes, which needs a key with the sql-write scope; no key is "
                                      "configured: create one with `hart keys create DB --scopes sql-write`"
                                    : "this statement writes, which needs a key with the sql-write scope",
                     "sql", "insufficient_scope");
    writer = std::make_unique<Database>(state.options.db_path, Database::Mode::kOpenExisting);
    db = writer.get();
    prepare(*writer);
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  bind_params(st, body.value("params", json()));

  const auto start = Clock::now();
  limits.deadline = start + std::chrono::milliseconds(limits.time_limit_ms);
  sqlite3_progress_handler(db->handle(), 1000, past_deadline, &limits);
  std::unique_ptr<Transaction> tx;
  if (writes) tx = std::make_unique<Transaction>(*db);
  json columns = json::array(), rows = json::array();
  const int n = sqlite3_column_count(st);
  for (int c = 0; c < n; ++c) columns.push_back(sqlite3_column_name(st, c));
  bool truncated = false;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (static_cast<int64_t>(rows.size()) >= limits.max_rows) {
      truncated = true;
      break;
    }
    json row = json::array();
    for (int c = 0; c < n; ++c) row.push_back(column_value(st, c));
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    const std::string why = sqlite3_errmsg(db->handle());
    sqlite3_progress_handler(db->handle(), 0, nullptr, nullptr);
    if (rc == SQLITE_INTERRUPT)
      throw ApiError(400, "invalid_request_error",
                     "the statement ran past this server's SQL time limit of " + std::to_string(limits.time_limit_ms) +
                         " ms" + (writes ? "; nothing was written" : ""),
                     "sql", "sql_time_limit");
    throw ApiError(400, "invalid_request_error", "SQL error: " + why + (writes ? "; nothing was written" : ""), "sql");
  }
  json out = {{"columns", columns}, {"rows", rows}, {"truncated", truncated}};
  if (writes) {
    out["changes"] = sqlite3_changes64(db->handle());
    guard.reset();
    tx->commit();
  }
  sqlite3_progress_handler(db->handle(), 0, nullptr, nullptr);
  out["elapsed_ms"] = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  res.set_content(out.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

}  // namespace hart::server
