// hart chat FILE MODEL [--system TEXT] [--chat-template NAME] [generation flags] — a
// conversation: each line read from stdin is a user turn, the reply streams as it is
// generated, and the conversation is kept for the next turn (through the model's
// chat template, engine/chat_prompt.h). A prompt "> " shows only on a terminal, so a
// pipe of lines gives just the replies, one per turn. EOF or /exit ends it.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/generation_flags.h"
#include "engine/inference.h"
#include "util/error.h"

namespace hart {
namespace {

struct ChatCommand : Command {
  std::string system;
  std::string chat_template;
  GenerationFlags flags;

  int run() override {
    std::map<std::string, std::string> typed;
    nlohmann::json o = flags.merged(typed);
    ChatPromptOptions chat;
    if (!chat_template.empty()) o["chat_template"] = chat_template;
    o = take_chat_options(std::move(o), chat);
    const GenerationOptions opts = parse_generation_options_object(o, typed);
    auto db = open_database(db_path);
    const bool interactive = isatty(STDIN_FILENO);
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
    std::string line;
    while (true) {
      if (interactive) {
        std::fputs("> ", stdout);
        std::fflush(stdout);
      }
      if (!std::getline(std::cin, line) || line == "/exit") break;
      if (line.empty()) continue;
      messages.push_back({{"role", "user"}, {"content", line}});
      GenerateCall call;
      try {
        call = run_chat(db->handle(), model, messages, chat, opts, [](std::string_view piece) {
          std::fwrite(piece.data(), 1, piece.size(), stdout);
          std::fflush(stdout);
          return true;
        });
      } catch (...) {
        std::printf("\n");
        throw;
      }
      std::printf("\n");
      std::fflush(stdout);
      print_generation_stats(call);
      messages.push_back({{"role", "assistant"}, {"content", call.result.text}});
    }
    if (interactive) std::printf("\n");
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> chat_command(CLI::App& parent) {
  auto c = std::make_unique<ChatCommand>();
  CLI::App* app = c->declare(parent, "chat", "Chat with a stored model: lines from stdin, replies streamed")
                      .with_file().with_model().app;
  app->add_option("--system", c->system, "A system message to start the conversation with");
  app->add_option("--chat-template", c->chat_template,
                  "A built-in template name (chatml, llama3, mistral-v7-tekken, phi3, gemma, ...) or a template text; "
                  "default: the model's own tokenizer.chat_template");
  c->flags.add_to(app);
  return c;
}

}  // namespace hart
