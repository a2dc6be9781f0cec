#include "store/api_keys.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "store/database.h"
#include "util/error.h"
#include "util/sha256.h"

namespace hart {

namespace {

struct ScopeName {
  Scope scope;
  const char* name;
};
constexpr ScopeName kScopes[] = {{Scope::kInference, "inference"},
                                 {Scope::kSqlRead, "sql-read"},
                                 {Scope::kSqlWrite, "sql-write"},
                                 {Scope::kIngest, "ingest"},
                                 {Scope::kAdmin, "admin"}};

constexpr size_t kPrefixChars = 11;  // "hk-" and 8 hex digits: 32 bits, enough to tell keys apart in a list

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  for (size_t got = 0; got < bytes;) {
    const ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("cannot read random bytes for a key (getrandom): ") + std::strerror(errno));
    }
    got += static_cast<size_t>(n);
  }
  return to_hex(raw.data(), raw.size());
}

std::string hash_of(const std::string& secret) { return to_hex(sha256(secret.data(), secret.size())); }

std::string scopes_json(const std::vector<Scope>& scopes) {
  nlohmann::json a = nlohmann::json::array();
  for (Scope s : scopes) a.push_back(scope_name(s));
  return a.dump();
}

std::optional<int64_t> optional_int(const Stmt& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.int64(col);
}

constexpr const char* kColumns =
    "id, prefix, name, tenant, scopes, requests_per_minute, tokens_per_minute, coalesce(expires_at, ''), "
    "coalesce(revoked_at, ''), created_at";

ApiKey read_key(const Stmt& s) {
  ApiKey k;
  k.id = s.int64(0);
  k.prefix = s.text(1);
  k.name = s.text(2);
  k.tenant = s.text(3);
  for (const auto& name : nlohmann::json::parse(s.text(4))) k.scopes.push_back(parse_scopes(name.get<std::string>())[0]);
  k.requests_per_minute = optional_int(s, 5);
  k.tokens_per_minute = optional_int(s, 6);
  k.expires_at = s.text(7);
  k.revoked_at = s.text(8);
  k.created_at = s.text(9);
  return k;
}

// SQLite's own date arithmetic, in the format every timestamp of the schema uses; NULL
// (here: empty) when `modifier` or `time` is not something SQLite understands.
std::string sqlite_time(Database& db, const std::string& time, const std::string& modifier) {
  Stmt s = db.prepare("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ?1, ?2)");
  s.bind(1, time).bind(2, modifier);
  return s.step() && !s.is_null(0) ? s.text(0) : "";
}

}  // namespace

const char* scope_name(Scope s) {
  for (const ScopeName& n : kScopes)
    if (n.scope == s) return n.name;
  return "?";
}

std::vector<Scope> parse_scopes(const std::string& comma_separated) {
  std::vector<Scope> out;
  size_t start = 0;
  while (start <= comma_separated.size()) {
    size_t end = comma_separated.find(',', start);
    if (end == std::string::npos) end = comma_separated.size();
    std::string name = comma_separated.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    start = end + 1;
    if (name.empty()) continue;
    bool found = false;
    for (const ScopeName& n : kScopes)
      if (name == n.name) {
        if (std::find(out.begin(), out.end(), n.scope) == out.end()) out.push_back(n.scope);
        found = true;
      }
    if (!found) {
      std::string known;
      for (const ScopeName& n : kScopes) known += (known.empty() ? "" : ", ") + std::string(n.name);
      throw UsageError("unknown scope '" + name + "' (scopes: " + known + ")");
    }
  }
  if (out.empty()) throw UsageError("a key needs at least one scope (inference, sql-read, sql-write, ingest, admin)");
  return out;
}

bool ApiKey::allows(Scope s) const {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end() ||
         std::find(scopes.begin(), scopes.end(), Scope::kAdmin) != scopes.end();
}

CreatedApiKey create_api_key(Database& db, const ApiKeyOptions& o) {
  if (o.scopes.empty()) throw UsageError("a key needs at least one scope (inference, sql-read, sql-write, ingest, admin)");
  if (o.tenant.empty()) throw UsageError("a key's tenant cannot be empty");
  for (const auto& limit : {o.requests_per_minute, o.tokens_per_minute})
    if (limit && *limit <= 0) throw UsageError("a per-minute limit must be positive (leave it out for no limit)");
  Transaction tx(db);
  if (!o.name.empty()) {
    Stmt taken = db.prepare("SELECT 1 FROM api_keys WHERE name = ?1 AND revoked_at IS NULL");
    taken.bind(1, o.name);
    if (taken.step()) throw UsageError("a key named '" + o.name + "' exists; revoke it first or choose another name");
  }
  CreatedApiKey out;
  out.secret = "hk-" + random_hex(32);
  Stmt ins = db.prepare(
      "INSERT INTO api_keys(prefix, secret_sha256, name, tenant, scopes, requests_per_minute, tokens_per_minute, "
      "expires_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  ins.bind(1, out.secret.substr(0, kPrefixChars)).bind(2, hash_of(out.secret)).bind(3, o.name).bind(4, o.tenant);
  ins.bind(5, scopes_json(o.scopes));
  if (o.requests_per_minute) ins.bind(6, *o.requests_per_minute); else ins.bind_null(6);
  if (o.tokens_per_minute) ins.bind(7, *o.tokens_per_minute); else ins.bind_null(7);
  if (!o.expires_at.empty()) ins.bind(8, o.expires_at); else ins.bind_null(8);
  ins.run();
  const int64_t id = db.last_insert_rowid();
  Stmt back = db.prepare(std::string("SELECT ") + kColumns + " FROM api_keys WHERE id = ?1");
  back.bind(1, id);
  back.step();
  out.key = read_key(back);
  tx.commit();
  return out;
}

std::vector<ApiKey> list_api_keys(Database& db) {
  std::vector<ApiKey> out;
  Stmt s = db.prepare(std::string("SELECT ") + kColumns + " FROM api_keys ORDER BY id");
  while (s.step()) out.push_back(read_key(s));
  return out;
}

ApiKey revoke_api_key(Database& db, const std::string& which) {
  Transaction tx(db);
  Stmt s = db.prepare(std::string("SELECT ") + kColumns +
                      " FROM api_keys WHERE prefix = ?1 OR CAST(id AS TEXT) = ?1 OR name = ?1 ORDER BY revoked_at IS NULL DESC, id");
  s.bind(1, which);
  if (!s.step()) throw UsageError("no API key '" + which + "' (give a prefix, id or name as `hart keys list` shows)");
  ApiKey k = read_key(s);
  if (!k.revoked_at.empty()) throw UsageError("API key " + k.prefix + " was already revoked at " + k.revoked_at);
  Stmt up = db.prepare("UPDATE api_keys SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 RETURNING revoked_at");
  up.bind(1, k.id);
  up.step();
  k.revoked_at = up.text(0);
  up.reset();
  tx.commit();
  return k;
}

KeyLookup find_api_key(Database& db, const std::string& secret, const std::string& now) {
  KeyLookup out;
  Stmt s = db.prepare(std::string("SELECT ") + kColumns + " FROM api_keys WHERE secret_sha256 = ?1");
  s.bind(1, hash_of(secret));
  if (!s.step()) {
    out.refused = "incorrect API key provided";
    return out;
  }
  ApiKey k = read_key(s);
  if (!k.revoked_at.empty())
    out.refused = "API key " + k.prefix + " was revoked at " + k.revoked_at;
  else if (!k.expires_at.empty() && k.expires_at <= now)
    out.refused = "API key " + k.prefix + " expired at " + k.expires_at;
  else
    out.key = std::move(k);
  return out;
}

std::string parse_expiry(Database& db, const std::string& text, const std::string& now) {
  static const std::pair<char, const char*> kUnits[] = {{'d', " days"}, {'h', " hours"}, {'m', " minutes"}};
  if (text.size() >= 2) {
    for (const auto& [unit, words] : kUnits) {
      if (text.back() != unit) continue;
      const std::string count = text.substr(0, text.size() - 1);
      if (count.find_first_not_of("0123456789") == std::string::npos && count.size() <= 6 && std::stoi(count) > 0)
        return sqlite_time(db, now, "+" + count + words);
    }
  }
  const std::string at = sqlite_time(db, text, "+0 seconds");
  if (at.empty() || text.find_first_not_of("0123456789-:T.Z ") != std::string::npos)
    throw UsageError("expiry '" + text + "' is neither a duration (30d, 12h, 90m) nor a date or time (2027-01-31, "
                     "2027-01-31T12:00:00Z)");
  if (at <= now) throw UsageError("expiry " + at + " is already past");
  return at;
}

}  // namespace hart
