// hart keys create|list|revoke FILE — the API keys `hart serve` accepts
// (store/api_keys.h). A key is printed once, when created; the database keeps only its
// SHA-256.
#include <cstdio>

#include "cli/command.h"
#include "store/api_keys.h"
#include "store/inferences.h"

namespace hart {
namespace {

struct KeysCommand : Command {
  CLI::App *create = nullptr, *list = nullptr, *revoke = nullptr;
  ApiKeyOptions options;
  std::string scopes = "inference", expires, which;
  int64_t rpm = 0, tpm = 0;
  OutputFlags output;

  int run() override {
    auto db = open_database(db_path);
    if (create->parsed()) {
      options.scopes = parse_scopes(scopes);
      if (rpm) options.requests_per_minute = rpm;
      if (tpm) options.tokens_per_minute = tpm;
      if (!expires.empty()) options.expires_at = parse_expiry(*db, expires, utc_now_iso8601());
      const CreatedApiKey k = create_api_key(*db, options);
      std::printf("%s\n", k.secret.c_str());
      std::fprintf(stderr, "API key %s%s%s for tenant '%s', scopes %s%s: shown this once (the database keeps only its "
                   "hash); clients send it as 'Authorization: Bearer <key>'\n",
                   k.key.prefix.c_str(), k.key.name.empty() ? "" : " named ", k.key.name.c_str(), k.key.tenant.c_str(),
                   scopes.c_str(), k.key.expires_at.empty() ? "" : (", expires " + k.key.expires_at).c_str());
      return 0;
    }
    if (revoke->parsed()) {
      const ApiKey k = revoke_api_key(*db, which);
      std::printf("revoked API key %s%s%s at %s\n", k.prefix.c_str(), k.name.empty() ? "" : " named ", k.name.c_str(),
                  k.revoked_at.c_str());
      return 0;
    }
    Stmt st = db->prepare(
        "SELECT k.id, k.prefix, k.name, k.tenant, (SELECT group_concat(value, ',') FROM json_each(k.scopes)) AS scopes, "
        "k.requests_per_minute AS rpm, k.tokens_per_minute AS tpm, k.expires_at, k.revoked_at, k.created_at, "
        "(SELECT count(*) FROM usage u WHERE u.key_id = k.id) AS requests, "
        "(SELECT max(started_at) FROM usage u WHERE u.key_id = k.id) AS last_used FROM api_keys k ORDER BY k.id");
    print_table(collect(st.raw()), output.mode(), stdout);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> keys_command(CLI::App& parent) {
  auto c = std::make_unique<KeysCommand>();
  c->declare(parent, "keys", "Create, list or revoke the API keys hart serve accepts");
  c->app->require_subcommand(1, 1);
  auto& o = c->options;

  c->create = c->app->add_subcommand("create", "Make a key and print it (once: only its hash is stored)");
  c->create->add_option("FILE", c->db_path, "Database file")->required();
  c->create->add_option("--name", o.name, "A name to find it by (unique among keys not revoked)");
  c->create->add_option("--tenant", o.tenant, "Whose usage it counts as")->capture_default_str();
  c->create->add_option("--scopes", c->scopes, "Comma-separated: inference, sql-read, sql-write, ingest, admin (all)")
      ->capture_default_str();
  c->create->add_option("--rpm", c->rpm, "Requests per minute at most (default: no limit)")->check(CLI::PositiveNumber);
  c->create->add_option("--tpm", c->tpm, "Prompt and generated tokens per minute at most (default: no limit)")
      ->check(CLI::PositiveNumber);
  c->create->add_option("--expires", c->expires, "A duration (30d, 12h, 90m) or a date (2027-01-31); default: never");

  c->list = c->app->add_subcommand("list", "Show the keys (prefixes, never the keys), their limits and use");
  c->list->add_option("FILE", c->db_path, "Database file")->required();
  c->output.add_to(c->list);

  c->revoke = c->app->add_subcommand("revoke", "Stop accepting a key (its usage rows keep naming it)");
  c->revoke->add_option("FILE", c->db_path, "Database file")->required();
  c->revoke->add_option("KEY", c->which, "Its prefix, id or name, as `hart keys list` shows")->required();
  return c;
}

}  // namespace hart
