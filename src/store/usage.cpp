#include "store/usage.h"

#include "store/database.h"

namespace hart {

namespace {

void bind_text_or_null(Stmt& s, int i, const std::string& v) {
  if (v.empty()) s.bind_null(i); else s.bind(i, v);
}
void bind_optional(Stmt& s, int i, const std::optional<int64_t>& v) {
  if (v) s.bind(i, *v); else s.bind_null(i);
}

int64_t insert(sqlite3* db, const UsageRow& r, bool finished) {
  Stmt s(db,
         "INSERT INTO usage(started_at, key_id, tenant, endpoint, model, prompt_tokens, completion_tokens, latency_ms, "
         "status) VALUES(?1, (SELECT id FROM api_keys WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, r.started_at);
  bind_optional(s, 2, r.key_id);
  bind_text_or_null(s, 3, r.tenant);
  s.bind(4, r.endpoint);
  bind_text_or_null(s, 5, r.model);
  bind_optional(s, 6, r.prompt_tokens);
  bind_optional(s, 7, r.completion_tokens);
  if (finished) s.bind(8, r.latency_ms).bind(9, int64_t{r.status}); else s.bind_null(8).bind_null(9);
  s.run();
  return sqlite3_last_insert_rowid(db);
}

}  // namespace

int64_t begin_usage(sqlite3* db, const UsageRow& row) { return insert(db, row, false); }

int64_t insert_usage(sqlite3* db, const UsageRow& row) { return insert(db, row, true); }

void finish_usage(sqlite3* db, int64_t id, const UsageRow& r) {
  Stmt s(db,
         "UPDATE usage SET model = coalesce(?2, model), prompt_tokens = ?3, completion_tokens = ?4, latency_ms = ?5, "
         "status = ?6 WHERE id = ?1");
  s.bind(1, id);
  bind_text_or_null(s, 2, r.model);
  bind_optional(s, 3, r.prompt_tokens);
  bind_optional(s, 4, r.completion_tokens);
  s.bind(5, r.latency_ms).bind(6, int64_t{r.status});
  s.run();
}

}  // namespace hart
