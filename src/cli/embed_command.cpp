// hart embed FILE MODEL TEXT — a BERT-family sentence embedding (JSON array).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "engine/inference.h"

namespace hart {
namespace {

struct EmbedCommand : Command {
  std::string db_path, model, text;
  int run() override {
    auto db = open_database(db_path);
    std::printf("%s\n", nlohmann::json(run_embed(db->handle(), model, text)).dump().c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> embed_command(CLI::App& parent) {
  auto c = std::make_unique<EmbedCommand>();
  c->app = parent.add_subcommand("embed", "Print a BERT-family model's sentence embedding of a text (JSON array)");
  c->app->add_option("FILE", c->db_path, "Database file")->required();
  c->app->add_option("MODEL", c->model, "Model name")->required();
  c->app->add_option("TEXT", c->text, "Text")->required();
  return c;
}

}  // namespace hart
