// `hart serve`: an OpenAI-compatible HTTP server over one database, on cpp-httplib
// (Debian's libcpp-httplib-dev). Every stored model is served, chosen per request by
// its `model` field; generation runs through each model's BatchScheduler; every
// request is recorded as an inferences row.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/batch_scheduler.h"

namespace hart::server {

struct ServerOptions {
  std::string db_path;
  std::string host = "127.0.0.1";
  int port = 8080;                       // 0: any free port (port() says which)
  std::vector<std::string> api_keys;     // Bearer keys with every scope, beside the api_keys table's; none of
                                         // either: loopback only, no key needed
  SchedulerLimits limits;
  int http_threads = 0;                  // 0: slots + queue + 8 (a waiting request holds a thread)
  size_t max_body_bytes = 8u << 20;      // larger bodies: 413
  int read_timeout_seconds = 15;         // a client that sends slower than this is dropped (slow-loris)
  int write_timeout_seconds = 60;
  int keep_alive_max = 1000;             // requests per connection
  std::vector<std::string> preload;      // models loaded before /health says ok
  std::string chat_template;             // a built-in name or template text for chat (empty: each model's own)
  int64_t sql_time_limit_ms = 1000;      // POST /v1/sql: a statement running longer is stopped (and rolled back)
  int64_t sql_max_rows = 1000;           // POST /v1/sql: rows returned at most ("truncated": true past it)
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();
  // Binds the address (an Error if it cannot: the port is taken, or a non-loopback
  // host without API keys).
  void bind();
  int port() const;
  // Whether any key exists (--api-key, or a stored key neither revoked nor expired).
  bool keys_configured();
  // Serves until stop(); preloads models first.
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hart::server
