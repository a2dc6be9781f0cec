// hart serve FILE [--host H] [--port P] [--api-key K ...] [--slots N] [--ctx-size N] ...
// — the OpenAI-compatible server (server/http_server.h) over one database.
#include <csignal>
#include <cstdio>

#include "cli/command.h"
#include "cli/modules.h"

namespace hart {
namespace {

extern "C" void stop_on_signal(int) { serve_module().stop(); }

void announce(const server::ServerOptions& o, int port, bool keys_configured) {
  std::fprintf(stderr, "hart serve: http://%s:%d/v1 — %d slots of %s tokens, queue %d%s\n", o.host.c_str(), port,
               o.limits.slots, o.limits.slot_ctx ? std::to_string(o.limits.slot_ctx).c_str() : "up to 4096",
               o.limits.queue,
               keys_configured ? ""
                               : "; no API key configured (hart keys create): listening on loopback only, no key needed");
  std::fflush(stderr);
}

struct ServeCommand : Command {
  server::ServerOptions o;

  int run() override {
    o.db_path = db_path;
    open_database(db_path);  // a missing file or an older schema is the usual clear error, before binding
    const ServeModule& module = serve_module();  // loaded before a signal handler can ask for it
    std::signal(SIGINT, stop_on_signal);
    std::signal(SIGTERM, stop_on_signal);
    module.serve(o, announce);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> serve_command(CLI::App& parent) {
  auto c = std::make_unique<ServeCommand>();
  c->declare(parent, "serve", "Serve the database's models over an OpenAI-compatible HTTP API").with_file();
  auto& o = c->o;
  c->app->add_option("--host", o.host, "Address to listen on (non-loopback needs --api-key)")->capture_default_str();
  c->app->add_option("--port", o.port, "Port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  c->app->add_option("--api-key", o.api_keys,
                     "A key with every scope that clients send as 'Authorization: Bearer KEY', beside those of "
                     "`hart keys create` (repeatable)");
  c->app->add_option("--slots", o.limits.slots, "Requests generating at once, per model")->capture_default_str()->check(CLI::Range(1, 256));
  c->app->add_option("--ctx-size", o.limits.slot_ctx, "Tokens per request, prompt and output (0: the model's, at most 4096)")
      ->capture_default_str()->check(CLI::Range(0, 1 << 24));
  c->app->add_option("--queue", o.limits.queue, "Requests waiting for a slot before 429")->capture_default_str()->check(CLI::Range(0, 100000));
  c->app->add_option("--batch-tokens", o.limits.batch_tokens, "Prompt tokens per forward pass")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  c->app->add_option("--threads", o.limits.threads, "Threads of the forward pass (0: every core)")->capture_default_str()->check(CLI::Range(0, 512));
  c->app
      ->add_option_function<std::string>(
          "--cache-type", [&o](const std::string& name) { o.limits.cache_type = *kv_type_named(name); },
          "KV cache type of the slots: f32, or f16 (half the memory)")
      ->check(CLI::IsMember(kv_type_names()))
      ->default_str("f32");
  c->app->add_option("--http-threads", o.http_threads, "HTTP worker threads (0: slots + queue + 8)")->capture_default_str()->check(CLI::Range(0, 100000));
  c->app->add_option("--max-body", o.max_body_bytes, "Largest request body in bytes")->capture_default_str();
  c->app->add_option("--read-timeout", o.read_timeout_seconds, "Seconds a client may take to send")->capture_default_str()->check(CLI::Range(1, 3600));
  c->app->add_option("--chat-template", o.chat_template,
                     "Chat template for /v1/chat/completions: a built-in name (chatml, llama3, ...) or a template text; "
                     "default: each model's own");
  c->app->add_option("--sql-time-limit", o.sql_time_limit_ms, "POST /v1/sql: milliseconds a statement may run")
      ->capture_default_str()->check(CLI::Range(1, 3600000));
  c->app->add_option("--sql-max-rows", o.sql_max_rows, "POST /v1/sql: rows returned at most")
      ->capture_default_str()->check(CLI::Range(1, 100000000));
  c->app->add_option("--model", o.preload, "A model to load before /health answers ok (repeatable)");
  return c;
}

}  // namespace hart
