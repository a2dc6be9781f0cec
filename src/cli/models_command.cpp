// hart models FILE — list stored models.
#include "cli/command.h"

namespace hart {
namespace {

struct ModelsCommand : Command {
  OutputFlags out;
  int run() override {
    auto db = open_database(db_path);
    run_sql(*db,
            "SELECT name, architecture, format, parameter_count AS parameters, n_tensors AS tensors,"
            " n_bytes AS bytes, coalesce(substr(source_sha256, 1, 16), '') AS sha256, created_at FROM models ORDER BY id",
            out.mode());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> models_command(CLI::App& parent) {
  auto c = std::make_unique<ModelsCommand>();
  c->declare(parent, "models", "List stored models").with_file();
  c->out.add_to(c->app);
  return c;
}

}  // namespace hart
