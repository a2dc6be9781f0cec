// The API keys of `hart serve` (table api_keys): created by `hart keys create`, shown
// once, stored as the SHA-256 of their text with a tenant, scopes, per-minute limits
// and an expiry; revoked, never deleted, so the usage ledger keeps naming them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hart {

class Database;

// What a key may do. A key with kAdmin may do everything.
enum class Scope { kInference, kSqlRead, kSqlWrite, kIngest, kAdmin };
const char* scope_name(Scope s);
// "inference,sql-read" (or a JSON array's strings); an unknown name is a UsageError
// listing the known ones.
std::vector<Scope> parse_scopes(const std::string& comma_separated);

struct ApiKeyOptions {
  std::string name, tenant = "default";
  std::vector<Scope> scopes = {Scope::kInference};
  std::optional<int64_t> requests_per_minute, tokens_per_minute;  // none: no limit
  std::string expires_at;                                         // ISO 8601 UTC; empty: never
};

struct ApiKey {
  int64_t id = 0;
  std::string prefix, name, tenant;
  std::vector<Scope> scopes;
  std::optional<int64_t> requests_per_minute, tokens_per_minute;
  std::string expires_at, revoked_at, created_at;  // empty: never / not revoked
  bool allows(Scope s) const;
};

struct CreatedApiKey {
  ApiKey key;
  std::string secret;  // the whole key: shown once, never stored
};

// A new key of 256 random bits ("hk-" and 64 hex digits); a name already used by a
// key that is not revoked is a UsageError.
CreatedApiKey create_api_key(Database& db, const ApiKeyOptions& options);
std::vector<ApiKey> list_api_keys(Database& db);
// By prefix (as listed), id or name; a key already revoked, or none matching, is a UsageError.
ApiKey revoke_api_key(Database& db, const std::string& which);

// The key whose text is `secret`, if it exists, is not revoked and has not expired at
// `now` (ISO 8601 UTC); otherwise why not, for the 401's message.
struct KeyLookup {
  std::optional<ApiKey> key;
  std::string refused;  // "incorrect API key provided", "this API key was revoked at ...", ...
};
KeyLookup find_api_key(Database& db, const std::string& secret, const std::string& now);

// "30d", "12h", "90m" from `now`, or an ISO 8601 date or time: the expiry to store.
std::string parse_expiry(Database& db, const std::string& text, const std::string& now);

}  // namespace hart
