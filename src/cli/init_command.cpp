// hart init FILE — create a new database file.
#include <cstdio>

#include "cli/command.h"

namespace hart {
namespace {

struct InitCommand : Command {
  int run() override {
    Database db(db_path, Database::Mode::kCreate);
    std::printf("created %s\n", db_path.c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> init_command(CLI::App& parent) {
  auto c = std::make_unique<InitCommand>();
  c->declare(parent, "init", "Create a new database file").with_file("Database file to create");
  return c;
}

}  // namespace hart
