// hart — the command-line face of the Hartonomous engine. One file per command
// (<name>_command.cpp); this file lists them and runs the one asked for.
//
//   hart init demo.db
//   hart ingest demo.db stories260K.gguf
//   hart ingest demo.db ~/Documents photos.zip     (files and folders of any kind)
//   hart rm-source demo.db ~/Documents
//   hart models demo.db
//   hart tensors demo.db stories260K
//   hart sql demo.db "SELECT count(*) FROM weights WHERE model = 'stories260K'"
//   hart export demo.db stories260K --format gguf out.gguf
//   hart rm demo.db stories260K
//   hart check demo.db
//   hart index demo.db items seal                    (a vector collection's segments)
//   hart embed-atoms demo.db                         (atoms' text into vectors)
//   hart search demo.db "how do stars form" --mode fused
#include <CLI/CLI.hpp>
#include <cstdio>
#include <vector>

#include "cli/command.h"

namespace hart {
namespace {

constexpr CommandFactory kCommands[] = {init_command,   ingest_command,   rm_source_command, models_command,
                                        tensors_command, rm_command,      export_command,    generate_command,
                                        tokenize_command, embed_command,  sql_command,       check_command,
                                        index_command,   embed_atoms_command, search_command};

int run(int argc, char** argv) {
  CLI::App app{"hart — models and content in one SQL database"};
  app.require_subcommand(1);
  add_integer_option(&app, "--busy-timeout", cli_settings().busy_timeout_ms,
                     "Milliseconds to wait for another process's lock on the database before failing", 0,
                     24 * 3600 * 1000)
      ->envname("HART_BUSY_TIMEOUT");
  std::vector<std::unique_ptr<Command>> commands;
  for (CommandFactory make : kCommands) commands.push_back(make(app));
  CLI11_PARSE(app, argc, argv);
  for (auto& c : commands)
    if (c->app->parsed()) return c->run();
  return 1;  // require_subcommand(1) makes this unreachable
}

}  // namespace
}  // namespace hart

int main(int argc, char** argv) {
  // SQLite's memory statistics take a process-wide mutex on every allocation, which
  // parallel ingest threads then fight over; settable only before SQLite initialises.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  try {
    return hart::run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "hart: error: %s\n", e.what());
    return 1;
  }
}
