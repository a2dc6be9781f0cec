// hart tokenize FILE MODEL TEXT — the token ids of a text (JSON array).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "engine/inference.h"

namespace hart {
namespace {

struct TokenizeCommand : Command {
  std::string text;
  int run() override {
    auto db = open_database(db_path);
    std::printf("%s\n", nlohmann::json(run_tokenize(db->handle(), model, text)).dump().c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> tokenize_command(CLI::App& parent) {
  auto c = std::make_unique<TokenizeCommand>();
  c->declare(parent, "tokenize", "Show the token ids a model's tokenizer gives a text").with_file().with_model();
  c->app->add_option("TEXT", c->text, "Text")->required();
  return c;
}

}  // namespace hart
