// hart init FILE — create a new database file.
#include <cstdio>

#include "cli/command.h"

namespace hart {
namespace {

struct InitCommand : Command {
  std::string db_path;
  int run() override {
    Database db(db_path, Database::Mode::kCreate);
    std::printf("created %s\n", db_path.c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> init_command(CLI::App& parent) {
  auto c = std::make_unique<InitCommand>();
  c->app = parent.add_subcommand("init", "Create a new database file");
  c->app->add_option("FILE", c->db_path, "Database file to create")->required();
  return c;
}

}  // namespace hart
