#include "server/gatekeeper.h"

#include <algorithm>

#include "store/inferences.h"

namespace hart::server {

bool Caller::allows(Scope s) const {
  if (command_line_key) return true;
  if (keyless) return s != Scope::kSqlWrite && s != Scope::kAdmin;
  return key && key->allows(s);
}

Gatekeeper::Gatekeeper(std::string db_path, std::vector<std::string> command_line_keys)
    : command_line_keys_(std::move(command_line_keys)), db_(db_path, Database::Mode::kOpenExisting) {}

bool Gatekeeper::keys_configured() {
  if (!command_line_keys_.empty()) return true;
  std::lock_guard lock(db_m_);
  Stmt s = db_.prepare("SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?1) LIMIT 1");
  s.bind(1, utc_now_iso8601());
  return s.step();
}

Admission Gatekeeper::admit(const std::string& authorization, Scope needed) {
  Admission a;
  const std::string bearer = "Bearer ";
  const bool has_key = authorization.rfind(bearer, 0) == 0 && authorization.size() > bearer.size();
  // A valid key is found by its own lookup; only a request without one asks whether
  // any key exists at all (one query per request either way).
  std::string refused = authorization.empty() ? "no API key: send 'Authorization: Bearer <key>'"
                                              : "the Authorization header must be 'Bearer <key>'";
  if (has_key) {
    const std::string secret = authorization.substr(bearer.size());
    if (std::find(command_line_keys_.begin(), command_line_keys_.end(), secret) != command_line_keys_.end()) {
      a.caller.command_line_key = true;
      a.caller.tenant = "command-line";
    } else {
      KeyLookup found;
      {
        std::lock_guard lock(db_m_);
        found = find_api_key(db_, secret, utc_now_iso8601());
      }
      if (found.key) {
        a.caller.tenant = found.key->tenant;
        a.caller.key = std::move(found.key);
      } else {
        refused = found.refused;
      }
    }
  }
  if (!a.caller.command_line_key && !a.caller.key) {
    if (keys_configured()) {
      a.status = 401;
      a.code = "invalid_api_key";
      a.message = refused;
      return a;
    }
    a.caller.keyless = true;  // whatever key a client sends (SDKs insist on one), as llama-server does
  }
  if (!a.caller.allows(needed)) {
    a.status = 403;
    a.code = "insufficient_scope";
    a.message = a.caller.keyless
                    ? std::string("this needs a key with the ") + scope_name(needed) +
                          " scope, and no key is configured: create one with `hart keys create DB --scopes " +
                          scope_name(needed) + "`"
                    : std::string("this API key lacks the ") + scope_name(needed) + " scope";
    return a;
  }
  if (a.caller.key)
    if (auto limited = over_limit(*a.caller.key)) {
      limited->caller = a.caller;
      return *limited;
    }
  return a;
}

std::optional<Admission> Gatekeeper::over_limit(const ApiKey& key) {
  if (!key.requests_per_minute && !key.tokens_per_minute) return std::nullopt;
  const auto now = Clock::now();
  const auto window = std::chrono::seconds(60);
  std::lock_guard lock(limits_m_);
  Window& w = windows_[key.id];
  for (auto* q : {&w.events, &w.tokens})
    while (!q->empty() && now - q->front().first >= window) q->pop_front();
  auto retry_after = [&](const auto& q) {
    return static_cast<int>(std::chrono::ceil<std::chrono::seconds>(q.front().first + window - now).count());
  };
  if (key.requests_per_minute && static_cast<int64_t>(w.events.size()) >= *key.requests_per_minute) {
    Admission a;
    a.status = 429;
    a.code = "rate_limit_exceeded";
    a.retry_after_seconds = retry_after(w.events);
    a.message = "API key " + key.prefix + " is limited to " + std::to_string(*key.requests_per_minute) +
                " requests per minute; retry in " + std::to_string(a.retry_after_seconds) + " s";
    return a;
  }
  if (key.tokens_per_minute) {
    int64_t used = 0;
    for (const auto& [when, n] : w.tokens) used += n;
    if (used >= *key.tokens_per_minute) {
      Admission a;
      a.status = 429;
      a.code = "rate_limit_exceeded";
      a.retry_after_seconds = retry_after(w.tokens);
      a.message = "API key " + key.prefix + " used " + std::to_string(used) + " of its " +
                  std::to_string(*key.tokens_per_minute) + " tokens per minute; retry in " +
                  std::to_string(a.retry_after_seconds) + " s";
      return a;
    }
  }
  w.events.emplace_back(now, 0);
  return std::nullopt;
}

void Gatekeeper::add_tokens(int64_t key_id, int64_t tokens) {
  if (tokens <= 0) return;
  std::lock_guard lock(limits_m_);
  windows_[key_id].tokens.emplace_back(Clock::now(), tokens);
}

}  // namespace hart::server
