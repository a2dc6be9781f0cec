// Internal to server/: what every route shares — the options, the models, the
// request log connection, and the counters /metrics reports.
#pragma once
#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "server/gatekeeper.h"
#include "server/http_server.h"
#include "server/model_registry.h"
#include "server/usage_ledger.h"
#include "store/inferences.h"

namespace hart::server {

struct ServerState {
  explicit ServerState(ServerOptions o);
  ServerOptions options;
  ModelRegistry registry;
  std::atomic<bool> ready{false};

  Gatekeeper gate;
  UsageLedger ledger;

  // Records an inferences row on the server's own write connection (short
  // transactions; a busy database queues it for the background writer).
  RecordedInference record(const InferenceRow& row);
  // Runs `f` on that connection, serialised with the records.
  void write_log(const std::function<void(sqlite3*)>& f);

  // Requests answered, by route and status (for /metrics).
  void count(const std::string& route, int status);
  std::string metrics_text();

 private:
  std::mutex log_m_;
  std::unique_ptr<Database> log_db_;
  std::mutex count_m_;
  std::map<std::pair<std::string, int>, uint64_t> counts_;
};

// POST /v1/completions (chat = false) and /v1/chat/completions (chat = true).
void handle_completion(ServerState& state, const httplib::Request& req, httplib::Response& res, bool chat);

// POST /apply-template: the prompt a chat request's conversation renders to (completions.cpp).
void handle_apply_template(ServerState& state, const httplib::Request& req, httplib::Response& res);

// POST /v1/embeddings and /v1/rerank (server/embeddings.cpp).
void handle_embeddings(ServerState& state, const httplib::Request& req, httplib::Response& res);
void handle_rerank(ServerState& state, const httplib::Request& req, httplib::Response& res);

// POST /v1/sql (server/sql_endpoint.cpp).
void handle_sql(ServerState& state, const Caller& caller, const httplib::Request& req, httplib::Response& res);

// Writes an ApiError (or any exception, as 500) as OpenAI's error object.
void write_error(httplib::Response& res, int status, const std::string& message, const std::string& type,
                 const std::string& param = "", const std::string& code = "");

}  // namespace hart::server
