// hart models FILE — list stored models.
#include "cli/command.h"

namespace hart {
namespace {

struct ModelsCommand : Command {
  std::string db_path;
  OutputFlags out;
  int run() override {
    auto db = open_database(db_path);
    run_sql(*db,
            "SELECT name, architecture, format, parameter_count AS parameters, n_tensors AS tensors,"
            " n_bytes AS bytes, substr(source_sha256, 1, 16) AS sha256, created_at FROM models ORDER BY id",
            out.mode());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> models_command(CLI::App& parent) {
  auto c = std::make_unique<ModelsCommand>();
  c->app = parent.add_subcommand("models", "List stored models");
  c->app->add_option("FILE", c->db_path, "Database file")->required();
  c->out.add_to(c->app);
  return c;
}

}  // namespace hart
