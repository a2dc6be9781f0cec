// hart generate FILE MODEL PROMPT [options] — stream generated text; statistics on stderr.
#include <cstdio>

#include "cli/command.h"
#include "cli/generation_flags.h"
#include "engine/inference.h"
#include "util/error.h"

namespace hart {
namespace {

struct GenerateCommand : Command {
  std::string prompt;
  GenerationFlags flags;

  int run() override {
    const GenerationOptions opts = flags.options();
    auto db = open_database(db_path);
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
    GenerateCall call;
    try {
      call = run_generate(db->handle(), model, prompt, opts, [](std::string_view piece) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return true;
      });
    } catch (...) {
      std::printf("\n");  // the error starts its own line, not after the prompt
      throw;
    }
    std::printf("\n");
    std::fflush(stdout);  // the text ends before the statistics line, even through a pipe
    print_generation_stats(call);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> generate_command(CLI::App& parent) {
  auto c = std::make_unique<GenerateCommand>();
  CLI::App* app = c->declare(parent, "generate", "Generate text with a stored model, streaming tokens as they come")
                      .with_file().with_model().app;
  app->add_option("PROMPT", c->prompt, "The prompt (may be empty)")->required();
  c->flags.add_to(app);
  return c;
}

}  // namespace hart
