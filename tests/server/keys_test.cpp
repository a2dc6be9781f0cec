// hart serve's keys from the database (scopes, expiry, revocation, per-minute limits),
// its usage ledger with the inferences linked to it, and POST /v1/sql.
#include <chrono>

#include "server_fixture.h"
#include "store/api_keys.h"

namespace hart::test {
namespace {

class KeysTest : public ServerTest {
 protected:
  void SetUp() override { use_own_database(); }
  // A stored key's text.
  std::string key(ApiKeyOptions o) {
    Database db(db_file, Database::Mode::kOpenExisting);
    return create_api_key(db, o).secret;
  }
  std::string key(const std::string& scopes, std::optional<int64_t> rpm = {}, std::optional<int64_t> tpm = {}) {
    ApiKeyOptions o;
    o.tenant = "acme";
    o.scopes = parse_scopes(scopes);
    o.requests_per_minute = rpm;
    o.tokens_per_minute = tpm;
    return key(o);
  }
  static httplib::Headers bearer(const std::string& k) { return {{"Authorization", "Bearer " + k}}; }
  httplib::Result sql(const json& body, const std::string& k = "") {
    return post("/v1/sql", body, k.empty() ? httplib::Headers{} : bearer(k));
  }
  static std::string code(const httplib::Result& r) { return json::parse(r->body)["error"].value("code", ""); }
  int64_t count(const std::string& query) {
    Database db(db_file, Database::Mode::kOpenExisting);
    Stmt s = db.prepare(query);
    s.step();
    return s.int64(0);
  }
};

TEST_F(KeysTest, StoredKeysAreCheckedForScopeExpiryAndRevocationWithoutARestart) {
  const std::string infer = key("inference"), reader = key("sql-read");
  ApiKeyOptions expired;
  expired.expires_at = "2020-01-01T00:00:00.000Z";
  const std::string old = key(expired);
  start();
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 2))->status, 401);  // keys exist: one is needed
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 2), bearer(infer))->status, 200);
  auto no_scope = sql({{"sql", "SELECT 1"}}, infer);
  EXPECT_EQ(no_scope->status, 403);
  EXPECT_EQ(code(no_scope), "insufficient_scope");
  EXPECT_EQ(sql({{"sql", "SELECT 1"}}, reader)->status, 200);
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 2), bearer(reader))->status, 403);
  auto gone = post("/v1/completions", completion("ROMEO:", 2), bearer(old));
  EXPECT_EQ(gone->status, 401);
  EXPECT_NE(gone->body.find("expired at 2020-01-01"), std::string::npos) << gone->body;
  {
    Database db(db_file, Database::Mode::kOpenExisting);
    revoke_api_key(db, infer.substr(0, 11));
  }
  auto revoked = post("/v1/completions", completion("ROMEO:", 2), bearer(infer));
  EXPECT_EQ(revoked->status, 401);
  EXPECT_NE(revoked->body.find("was revoked at"), std::string::npos) << revoked->body;
  EXPECT_EQ(client_->Get("/health")->status, 200);  // probes need no key
}

TEST_F(KeysTest, EveryRequestIsAUsageRowAndItsInferencesPointAtIt) {
  const std::string k = key("inference");
  start();
  json two = completion("ROMEO:", 5);
  two["n"] = 2;
  auto r = post("/v1/completions", two, bearer(k));
  ASSERT_EQ(r->status, 200) << r->body;
  const json usage = json::parse(r->body)["usage"];
  auto streamed = post("/v1/completions", completion("JULIET:", 4, true), bearer(k));
  ASSERT_EQ(streamed->status, 200);
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 2), bearer("hk-wrong"))->status, 401);
  stop();  // every row written

  Database db(db_file, Database::Mode::kOpenExisting);
  Stmt rows = db.prepare(
      "SELECT u.id, u.key_id IS NOT NULL, u.tenant, u.endpoint, u.model, u.prompt_tokens, u.completion_tokens, "
      "u.latency_ms, u.status, (SELECT count(*) FROM inferences i WHERE i.usage_id = u.id) FROM usage u ORDER BY u.id");
  ASSERT_TRUE(rows.step());
  EXPECT_TRUE(rows.int64(1));
  EXPECT_EQ(rows.text(2), "acme");
  EXPECT_EQ(rows.text(3), "POST /v1/completions");
  EXPECT_EQ(rows.text(4), kModel);
  EXPECT_EQ(rows.int64(5), 2 * usage["prompt_tokens"].get<int64_t>());  // each choice's prompt
  EXPECT_EQ(rows.int64(6), usage["completion_tokens"].get<int64_t>());
  EXPECT_GT(rows.real(7), 0);
  EXPECT_EQ(rows.int64(8), 200);
  EXPECT_EQ(rows.int64(9), 2);  // both choices' inferences
  ASSERT_TRUE(rows.step());     // the stream: finished when its last byte was written
  EXPECT_EQ(rows.int64(6), 4);
  EXPECT_EQ(rows.int64(8), 200);
  EXPECT_EQ(rows.int64(9), 1);
  ASSERT_TRUE(rows.step());  // the refused request: no key, no model, its status
  EXPECT_FALSE(rows.int64(1));
  EXPECT_TRUE(rows.is_null(4));
  EXPECT_EQ(rows.int64(8), 401);
  EXPECT_EQ(rows.int64(9), 0);
  EXPECT_FALSE(rows.step());
}

TEST_F(KeysTest, AKeyOverItsRequestsOrTokensPerMinuteGets429WithRetryAfter) {
  const std::string two_a_minute = key("inference", 2), few_tokens = key("inference", {}, 6);
  start();
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 1), bearer(two_a_minute))->status, 200);
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 1), bearer(two_a_minute))->status, 200);
  auto third = post("/v1/completions", completion("ROMEO:", 1), bearer(two_a_minute));
  ASSERT_EQ(third->status, 429);
  EXPECT_EQ(code(third), "rate_limit_exceeded");
  EXPECT_EQ(json::parse(third->body)["error"]["type"], "rate_limit_error");
  const int retry = std::stoi(third->get_header_value("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  // Tokens are counted when a request ends: the first may go over, the next waits.
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 8), bearer(few_tokens))->status, 200);
  auto over = post("/v1/completions", completion("ROMEO:", 1), bearer(few_tokens));
  EXPECT_EQ(over->status, 429);
  EXPECT_NE(over->body.find("tokens per minute"), std::string::npos) << over->body;
}

TEST_F(KeysTest, SqlReadsRowsWithinLimitsAndWritesNeedTheWriteScope) {
  const std::string reader = key("sql-read"), admin = key("admin");
  server::ServerOptions o;
  o.sql_max_rows = 3;
  start(o);
  auto models = sql({{"sql", "SELECT name, parameter_count FROM models WHERE name = ?"}, {"params", {kModel}}}, reader);
  ASSERT_EQ(models->status, 200) << models->body;
  json body = json::parse(models->body);
  EXPECT_EQ(body["columns"], json({"name", "parameter_count"}));
  ASSERT_EQ(body["rows"].size(), 1u);
  EXPECT_EQ(body["rows"][0][0], kModel);
  EXPECT_FALSE(body["truncated"]);
  // The server's row limit holds, and a request may lower it.
  body = json::parse(sql({{"sql", "SELECT value FROM generate_series(1, 10)"}}, reader)->body);
  if (!body.contains("error")) {  // generate_series is compiled into some SQLite builds only
    EXPECT_EQ(body["rows"].size(), 3u);
    EXPECT_TRUE(body["truncated"]);
  }
  body = json::parse(sql({{"sql", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) "
                                  "SELECT x, :tag AS tag, x'00ff' AS b FROM c"},
                          {"params", {{"tag", "t"}}}, {"max_rows", 2}},
                         reader)->body);
  ASSERT_EQ(body["rows"].size(), 2u) << body;
  EXPECT_TRUE(body["truncated"]);
  EXPECT_EQ(body["rows"][1], json({2, "t", {{"$hex", "00ff"}}}));
  // Time limit: an endless query stops.
  const auto t0 = std::chrono::steady_clock::now();
  auto endless = sql({{"sql", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"},
                      {"time_limit_ms", 100}},
                     reader);
  EXPECT_EQ(endless->status, 400);
  EXPECT_EQ(code(endless), "sql_time_limit");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // Writes: refused without the scope, done with it.
  const json insert = {{"sql", "INSERT INTO settings(name, value) VALUES('inference_log', 'off')"}};
  auto refused = sql(insert, reader);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(count("SELECT count(*) FROM settings WHERE name = 'inference_log'"), 0);
  auto written = sql(insert, admin);
  ASSERT_EQ(written->status, 200) << written->body;
  EXPECT_EQ(json::parse(written->body)["changes"], 1);
  EXPECT_EQ(count("SELECT count(*) FROM settings WHERE name = 'inference_log'"), 1);
  // One statement, this database only, clear errors.
  auto two = sql({{"sql", "SELECT 1; DELETE FROM models"}}, admin);
  EXPECT_EQ(two->status, 400);
  EXPECT_NE(two->body.find("one statement"), std::string::npos) << two->body;
  EXPECT_EQ(sql({{"sql", "ATTACH DATABASE '" + own_.file("other.db") + "' AS other"}}, admin)->status, 400);
  EXPECT_EQ(sql({{"sql", "VACUUM INTO '" + own_.file("copy.db") + "'"}}, admin)->status, 400);
  EXPECT_FALSE(std::filesystem::exists(own_.file("other.db")));
  EXPECT_FALSE(std::filesystem::exists(own_.file("copy.db")));
  auto bad = sql({{"sql", "SELECT nosuch FROM models"}}, reader);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("no such column: nosuch"), std::string::npos) << bad->body;
  EXPECT_EQ(sql({{"sql", "SELECT ?"}, {"params", json::array()}}, reader)->status, 400);
  EXPECT_EQ(count("SELECT count(*) FROM models"), 1);
}

TEST_F(KeysTest, WithoutAnyKeyLoopbackReadsButNeverWrites) {
  start();
  EXPECT_FALSE(server_->keys_configured());
  EXPECT_EQ(sql({{"sql", "SELECT count(*) FROM models"}})->status, 200);
  // Clients that insist on sending some key are served as without one.
  EXPECT_EQ(post("/v1/completions", completion("ROMEO:", 1), bearer("any"))->status, 200);
  auto write = sql({{"sql", "DELETE FROM models"}});
  EXPECT_EQ(write->status, 403);
  EXPECT_NE(write->body.find("hart keys create"), std::string::npos) << write->body;
  EXPECT_EQ(count("SELECT count(*) FROM models"), 1);
  server::ServerOptions o;
  o.db_path = db_file;
  o.host = "0.0.0.0";
  server::HttpServer open(o);
  EXPECT_THROW(open.bind(), UsageError);
}

}  // namespace
}  // namespace hart::test
