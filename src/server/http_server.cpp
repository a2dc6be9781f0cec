#include "server/http_server.h"

#include <arpa/inet.h>

#include <cstdio>
#include <ctime>
#include <thread>

#include "server/openai_api.h"
#include "server/server_state.h"

namespace hart::server {

using json = nlohmann::json;

// ----------------------------------------------------------------------------
// Shared state

ServerState::ServerState(ServerOptions o)
    : options(std::move(o)), registry(options.db_path, options.limits), gate(options.db_path, options.api_keys),
      ledger([this](const std::function<void(sqlite3*)>& f) { write_log(f); }),
      log_db_(std::make_unique<Database>(options.db_path, Database::Mode::kOpenExisting)) {}

RecordedInference ServerState::record(const InferenceRow& row) {
  std::lock_guard lock(log_m_);
  return record_inference(log_db_->handle(), row);
}

void ServerState::write_log(const std::function<void(sqlite3*)>& f) {
  std::lock_guard lock(log_m_);
  f(log_db_->handle());
}

void ServerState::count(const std::string& route, int status) {
  std::lock_guard lock(count_m_);
  ++counts_[{route, status}];
}

std::string ServerState::metrics_text() {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line("# HELP hart_requests_total HTTP requests answered, by route and status.");
  line("# TYPE hart_requests_total counter");
  {
    std::lock_guard lock(count_m_);
    for (const auto& [key, n] : counts_)
      line("hart_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n));
  }
  using Stats = BatchScheduler::Stats;
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const Stats&);
  };
  static const Series series[] = {
      {"hart_slots", "gauge", "Slots of the model's batch scheduler.", [](const Stats& s) { return double(s.slots); }},
      {"hart_slots_busy", "gauge", "Slots generating now.", [](const Stats& s) { return double(s.busy_slots); }},
      {"hart_queue_length", "gauge", "Requests waiting for a slot.", [](const Stats& s) { return double(s.queued); }},
      {"hart_requests_scheduled_total", "counter", "Generations accepted by the scheduler.",
       [](const Stats& s) { return double(s.requests); }},
      {"hart_prompt_tokens_total", "counter", "Prompt tokens of accepted generations.",
       [](const Stats& s) { return double(s.prompt_tokens); }},
      {"hart_prompt_tokens_reused_total", "counter", "Prompt tokens found in a slot's cache (not computed again).",
       [](const Stats& s) { return double(s.reused_tokens); }},
      {"hart_tokens_generated_total", "counter", "Tokens generated.", [](const Stats& s) { return double(s.generated_tokens); }},
      {"hart_forward_passes_total", "counter", "Batched forward passes run.",
       [](const Stats& s) { return double(s.forward_passes); }},
      {"hart_forward_seconds_total", "counter", "Seconds spent in forward passes.", [](const Stats& s) { return s.busy_seconds; }},
  };
  line("# HELP hart_usage_rows_lost_total Usage rows that could not be written (see the server's stderr).");
  line("# TYPE hart_usage_rows_lost_total counter");
  line("hart_usage_rows_lost_total " + std::to_string(ledger.rows_lost()));
  std::vector<std::pair<std::string, Stats>> stats;
  for (const auto& [name, s] : registry.running()) stats.emplace_back(name, s->stats());
  for (const Series& g : series) {
    line(std::string("# HELP ") + g.name + " " + g.help);
    line(std::string("# TYPE ") + g.name + " " + g.type);
    for (const auto& [name, st] : stats) {
      char num[64];
      std::snprintf(num, sizeof num, "%.17g", g.value(st));
      line(std::string(g.name) + "{model=\"" + name + "\"} " + num);
    }
  }
  return out;
}

void write_error(httplib::Response& res, int status, const std::string& message, const std::string& type,
                 const std::string& param, const std::string& code) {
  res.status = status;
  res.set_content(error_body(message, type, param, code).dump(), "application/json");
}

namespace {

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr a4{};
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
  return false;
}

// The routes: what /metrics counts a request under and the scope its key needs.
struct Route {
  const char* path;
  Scope scope;
};
constexpr Route kRoutes[] = {{"/v1/completions", Scope::kInference}, {"/v1/chat/completions", Scope::kInference},
                             {"/v1/models", Scope::kInference},      {"/tokenize", Scope::kInference},
                             {"/detokenize", Scope::kInference},     {"/metrics", Scope::kInference},
                             {"/v1/embeddings", Scope::kInference},  {"/v1/rerank", Scope::kInference},
                             {"/apply-template", Scope::kInference}, {"/v1/sql", Scope::kSqlRead},           {"/health", Scope::kInference}};

const Route* route_of(const httplib::Request& req) {
  for (const Route& r : kRoutes)
    if (req.path == r.path) return &r;
  return nullptr;
}

// Probes and scrapes are not usage: they would fill the ledger on their own.
bool unmetered(const std::string& path) { return path == "/health" || path == "/metrics"; }

}  // namespace

// ----------------------------------------------------------------------------
// Routes

struct HttpServer::Impl {
  explicit Impl(ServerOptions o) : state(std::move(o)) {}
  ServerState state;
  httplib::Server http;
  int port = 0;
  bool bound = false;
  std::thread preload;
  std::string preload_error;

  void routes() {
    const ServerOptions& o = state.options;
    const int threads = o.http_threads > 0 ? o.http_threads : o.limits.slots + o.limits.queue + 8;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    http.set_payload_max_length(o.max_body_bytes);
    http.set_read_timeout(o.read_timeout_seconds, 0);
    http.set_write_timeout(o.write_timeout_seconds, 0);
    http.set_keep_alive_max_count(static_cast<size_t>(o.keep_alive_max));
    http.set_tcp_nodelay(true);
    // cpp-httplib's default adds SO_REUSEPORT, which lets a second server bind a port
    // already serving and take half its connections; SO_REUSEADDR alone only allows a
    // restart while the old connections linger.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });

    // Keys, scopes and rate limits: every route but /health, when keys are configured.
    // Each request begins its usage row's record here; the logger ends it.
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
      const Route* route = route_of(req);
      Admission a = state.gate.admit(req.get_header_value("Authorization"), route ? route->scope : Scope::kInference);
      if (!unmetered(req.path)) {
        UsageRow row;
        row.started_at = utc_now_iso8601();
        if (a.caller.key) row.key_id = a.caller.key->id;
        row.tenant = a.caller.tenant;
        row.endpoint = req.method + " " + req.path;
        state.ledger.begin(req, a.caller, std::move(row));
      }
      if (a.status == 0) return httplib::Server::HandlerResponse::Unhandled;
      if (a.retry_after_seconds > 0) res.set_header("Retry-After", std::to_string(a.retry_after_seconds));
      write_error(res, a.status, a.message,
                  a.status == 401   ? "invalid_request_error"
                  : a.status == 403 ? "permission_error"
                                    : "rate_limit_error",
                  "", a.code);
      return httplib::Server::HandlerResponse::Handled;
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const ApiError& e) {
        write_error(res, e.status, e.what(), e.type, e.param, e.code);
      } catch (const UsageError& e) {
        write_error(res, 400, e.what(), "invalid_request_error");
      } catch (const std::exception& e) {
        write_error(res, 500, e.what(), "server_error");
      }
    });
    // Errors httplib answers itself (unknown path, body too large) get the same shape.
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const std::string what = res.status == 404   ? "no route " + req.method + " " + req.path
                               : res.status == 413 ? "the request body is larger than this server accepts"
                                                   : "HTTP error " + std::to_string(res.status);
      write_error(res, res.status, what, res.status >= 500 ? "server_error" : "invalid_request_error");
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      const Route* route = route_of(req);
      state.count(route ? route->path : "other", res.status);
      if (auto u = state.ledger.end(req, res.status); u && u->caller.key)
        state.gate.add_tokens(u->caller.key->id,
                              u->row.prompt_tokens.value_or(0) + u->row.completion_tokens.value_or(0));
    });

    http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      const bool ok = state.ready && state.registry.loading() == 0;
      res.status = ok ? 200 : 503;
      res.set_content(json{{"status", ok ? "ok" : "loading model"}}.dump(), "application/json");
    });
    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      json data = json::array();
      for (const ModelRow& m : state.registry.list()) {
        std::tm tm{};
        int64_t created = 0;
        if (strptime(m.created_at.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) created = timegm(&tm);
        data.push_back({{"id", m.name},
                        {"object", "model"},
                        {"created", created},
                        {"owned_by", "hartonomous"},
                        {"architecture", m.architecture},
                        {"parameters", m.parameter_count}});
      }
      res.set_content(json{{"object", "list"}, {"data", data}}.dump(), "application/json");
    });
    http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      handle_completion(state, req, res, /*chat=*/false);
    });
    http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      handle_completion(state, req, res, /*chat=*/true);
    });
    http.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      handle_embeddings(state, req, res);
    });
    http.Post("/v1/rerank", [this](const httplib::Request& req, httplib::Response& res) { handle_rerank(state, req, res); });
    http.Post("/apply-template", [this](const httplib::Request& req, httplib::Response& res) {
      handle_apply_template(state, req, res);
    });
    http.Post("/v1/sql", [this](const httplib::Request& req, httplib::Response& res) {
      auto u = state.ledger.of(req);
      handle_sql(state, u ? u->caller : Caller{}, req, res);
    });
    http.Post("/tokenize", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = model_request(req.body);  // llama-server's shape, plus the model's name
      if (!body.contains("content") || !body["content"].is_string()) throw bad_request("'content' must be a string", "content");
      const bool add_special = body.value("add_special", false);
      auto m = state.registry.model(body["model"]);
      res.set_content(json{{"tokens", m->tokenizer().encode(body["content"].get<std::string>(), add_special)}}.dump(),
                      "application/json");
    });
    http.Post("/detokenize", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = model_request(req.body);  // llama-server's shape, plus the model's name
      if (!body.contains("tokens") || !body["tokens"].is_array()) throw bad_request("'tokens' must be an array of ids", "tokens");
      auto m = state.registry.model(body["model"]);
      std::vector<int32_t> ids;
      for (const json& t : body["tokens"]) {
        if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= m->tokenizer().vocab_size())
          throw bad_request("'tokens' holds " + t.dump() + ", not a token id of this model (0.." +
                                std::to_string(m->tokenizer().vocab_size() - 1) + ")",
                            "tokens");
        ids.push_back(t.get<int32_t>());
      }
      res.set_content(json{{"content", m->tokenizer().decode(ids)}}.dump(), "application/json");
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(state.metrics_text(), "text/plain; version=0.0.4");
    });
  }
};

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) { impl_->routes(); }

HttpServer::~HttpServer() {
  stop();
  if (impl_->preload.joinable()) impl_->preload.join();
}

void HttpServer::bind() {
  const ServerOptions& o = impl_->state.options;
  if (!keys_configured() && !is_loopback(o.host))
    throw UsageError("serve: no API key is configured, so the server listens on loopback only; create one with `hart "
                     "keys create " + o.db_path + "` (or give --api-key) to listen on " + o.host);
  if (o.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(o.host);
    if (impl_->port < 0) throw Error("serve: cannot listen on " + o.host);
  } else {
    if (!impl_->http.bind_to_port(o.host, o.port))
      throw Error("serve: cannot listen on " + o.host + ":" + std::to_string(o.port) + " (in use, or not allowed)");
    impl_->port = o.port;
  }
  impl_->bound = true;
}

int HttpServer::port() const { return impl_->port; }

bool HttpServer::keys_configured() { return impl_->state.gate.keys_configured(); }

void HttpServer::run() {
  if (!impl_->bound) bind();
  // Models to preload load while the server already answers /health with 503.
  impl_->preload = std::thread([this] {
    try {
      for (const std::string& name : impl_->state.options.preload) impl_->state.registry.get(name);
      impl_->state.ready = true;
    } catch (const std::exception& e) {
      impl_->preload_error = std::string("serve: cannot load a model to preload: ") + e.what();
      impl_->http.stop();
    }
  });
  impl_->http.listen_after_bind();
  if (impl_->preload.joinable()) impl_->preload.join();
  if (!impl_->preload_error.empty()) throw UsageError(impl_->preload_error);
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->http.stop();
}

}  // namespace hart::server
