// Who is calling and whether they may: the Bearer key checked against the --api-key
// keys and the api_keys table (store/api_keys.h), the route's scope, and the key's
// requests- and tokens-per-minute limits over the last 60 seconds.
#pragma once
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/api_keys.h"
#include "store/database.h"

namespace hart::server {

struct Caller {
  std::optional<ApiKey> key;  // a stored key
  bool command_line_key = false;  // an --api-key key: every scope
  bool keyless = false;           // no key configured anywhere: loopback, everything but SQL writes
  std::string tenant;
  bool allows(Scope s) const;
};

// status 0: admitted. Otherwise the HTTP status (401, 403, 429) and OpenAI's error fields.
struct Admission {
  int status = 0;
  std::string message, code;
  int retry_after_seconds = 0;  // for 429
  Caller caller;
};

class Gatekeeper {
 public:
  Gatekeeper(std::string db_path, std::vector<std::string> command_line_keys);
  // True when some key exists (command line, or stored, not revoked, not expired): then
  // every request but /health needs one.
  bool keys_configured();
  // `authorization` is the request's Authorization header; `needed` the route's scope.
  Admission admit(const std::string& authorization, Scope needed);
  // Tokens a key's request used, counted against its tokens-per-minute limit.
  void add_tokens(int64_t key_id, int64_t tokens);

 private:
  using Clock = std::chrono::steady_clock;
  struct Window {
    std::deque<std::pair<Clock::time_point, int64_t>> events;  // one per request admitted
    std::deque<std::pair<Clock::time_point, int64_t>> tokens;
  };
  std::optional<Admission> over_limit(const ApiKey& key);

  std::vector<std::string> command_line_keys_;
  std::mutex db_m_;
  Database db_;
  std::mutex limits_m_;
  std::map<int64_t, Window> windows_;
};

}  // namespace hart::server
