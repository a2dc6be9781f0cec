#include "store/inferences.h"

#include <chrono>
#include <ctime>

#include "store/database.h"

namespace hart {

std::string utc_now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

int64_t record_inference(sqlite3* db, const InferenceRow& r) {
  if (sqlite3_db_readonly(db, "main") == 1) return 0;
  Stmt s(db,
         "INSERT INTO inferences(model_id, model_name, task, input, output, options, started_at, duration_ms,"
         " prompt_tokens, output_tokens, stop_reason) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, r.model_id).bind(2, r.model_name).bind(3, r.task).bind(4, r.input).bind(5, r.output);
  if (r.options_json.empty()) s.bind_null(6); else s.bind(6, r.options_json);
  s.bind(7, r.started_at).bind(8, r.duration_ms);
  if (r.prompt_tokens) s.bind(9, *r.prompt_tokens); else s.bind_null(9);
  if (r.output_tokens) s.bind(10, *r.output_tokens); else s.bind_null(10);
  if (r.stop_reason.empty()) s.bind_null(11); else s.bind(11, r.stop_reason);
  s.run();
  return sqlite3_last_insert_rowid(db);
}

}  // namespace hart
