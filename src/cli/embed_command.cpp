// hart embed FILE MODEL TEXT — a BERT-family sentence embedding (JSON array).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "engine/inference.h"

namespace hart {
namespace {

struct EmbedCommand : Command {
  std::string text;
  int run() override {
    auto db = open_database(db_path);
    std::printf("%s\n", nlohmann::json(run_embed(db->handle(), model, text)).dump().c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> embed_command(CLI::App& parent) {
  auto c = std::make_unique<EmbedCommand>();
  c->declare(parent, "embed", "Print a BERT-family model's sentence embedding of a text (JSON array)")
      .with_file()
      .with_model();
  c->app->add_option("TEXT", c->text, "Text")->required();
  return c;
}

}  // namespace hart
