// API keys in the database: shown once, stored as a hash, found only while neither
// revoked nor expired; scopes and expiries parsed with errors that name the problem.
#include "store/api_keys.h"
#include "store/inferences.h"
#include "store_fixture.h"

namespace hart::test {
namespace {

TEST_F(StoreTest, AKeyIsStoredAsItsHashAndFoundByItsText) {
  ApiKeyOptions o;
  o.name = "ci";
  o.tenant = "acme";
  o.scopes = parse_scopes("inference, sql-read");
  o.requests_per_minute = 60;
  const CreatedApiKey k = create_api_key(*db, o);
  ASSERT_EQ(k.secret.size(), 3u + 64u);
  EXPECT_EQ(k.secret.rfind("hk-", 0), 0u);
  EXPECT_EQ(k.key.prefix, k.secret.substr(0, 11));
  db.reset();  // the file holds the hash, never the key
  EXPECT_EQ(read_file(dir.file("test.db")).find(k.secret.substr(11)), std::string::npos);
  db = std::make_unique<Database>(dir.file("test.db"), Database::Mode::kOpenExisting);
  Stmt h = db->prepare("SELECT secret_sha256 FROM api_keys");
  ASSERT_TRUE(h.step());
  EXPECT_EQ(h.text(0), to_hex(sha256(k.secret.data(), k.secret.size())));

  const std::string now = utc_now_iso8601();
  KeyLookup found = find_api_key(*db, k.secret, now);
  ASSERT_TRUE(found.key) << found.refused;
  EXPECT_EQ(found.key->tenant, "acme");
  EXPECT_TRUE(found.key->allows(Scope::kSqlRead));
  EXPECT_FALSE(found.key->allows(Scope::kSqlWrite));
  EXPECT_EQ(found.key->requests_per_minute, 60);
  EXPECT_FALSE(found.key->tokens_per_minute);
  EXPECT_EQ(find_api_key(*db, k.secret + "x", now).refused, "incorrect API key provided");

  EXPECT_THROW(create_api_key(*db, o), UsageError);  // the name is taken
  EXPECT_EQ(revoke_api_key(*db, "ci").id, k.key.id);
  EXPECT_NE(find_api_key(*db, k.secret, now).refused.find("revoked"), std::string::npos);
  EXPECT_THROW(revoke_api_key(*db, k.key.prefix), UsageError);  // already
  EXPECT_THROW(revoke_api_key(*db, "hk-nosuch"), UsageError);
  EXPECT_NO_THROW(create_api_key(*db, o));  // a revoked key's name is free again
  EXPECT_EQ(list_api_keys(*db).size(), 2u);
}

TEST_F(StoreTest, AnAdminKeyAllowsEveryScopeAndAnExpiredOneNothing) {
  ApiKeyOptions o;
  o.scopes = {Scope::kAdmin};
  o.expires_at = parse_expiry(*db, "1h", "2026-12-05T10:00:00.000Z");
  EXPECT_EQ(o.expires_at, "2026-12-05T11:00:00.000Z");
  const CreatedApiKey k = create_api_key(*db, o);
  KeyLookup before = find_api_key(*db, k.secret, "2026-12-05T10:59:59.999Z");
  ASSERT_TRUE(before.key);
  for (Scope s : {Scope::kInference, Scope::kSqlRead, Scope::kSqlWrite, Scope::kIngest, Scope::kAdmin})
    EXPECT_TRUE(before.key->allows(s)) << scope_name(s);
  KeyLookup after = find_api_key(*db, k.secret, "2026-12-05T11:00:00.000Z");
  EXPECT_FALSE(after.key);
  EXPECT_NE(after.refused.find("expired at 2026-12-05T11:00:00.000Z"), std::string::npos) << after.refused;
}

TEST_F(StoreTest, ScopesAndExpiriesAreParsedOrRefusedByName) {
  EXPECT_EQ(parse_scopes("admin").size(), 1u);
  EXPECT_EQ(parse_scopes("inference,inference,sql-write").size(), 2u);
  try {
    parse_scopes("inference,root");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown scope 'root'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_scopes(" , "), UsageError);
  const std::string now = "2026-12-05T10:00:00.000Z";
  EXPECT_EQ(parse_expiry(*db, "30d", now), "2027-01-04T10:00:00.000Z");
  EXPECT_EQ(parse_expiry(*db, "90m", now), "2026-12-05T11:30:00.000Z");
  EXPECT_EQ(parse_expiry(*db, "2027-01-31", now), "2027-01-31T00:00:00.000Z");
  for (const char* bad : {"tomorrow", "0d", "-1h", "2026-13-45", "2025-01-01", "12"})
    EXPECT_THROW(parse_expiry(*db, bad, now), UsageError) << bad;
  ApiKeyOptions o;
  o.tokens_per_minute = 0;
  EXPECT_THROW(create_api_key(*db, o), UsageError);
  EXPECT_EQ(list_api_keys(*db).size(), 0u);
}

}  // namespace
}  // namespace hart::test
