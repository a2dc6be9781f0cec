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
//   hart eval demo.db stories260K --file wiki.test.raw --ctx 128   (perplexity)
//   hart compare demo.db teacher student --text "SELECT text FROM docs"
//   hart serve demo.db --port 8080                   (OpenAI-compatible HTTP API)
#include <CLI/CLI.hpp>
#include <cstdio>
#include <vector>

#include "cli/command.h"
#include "search/maintenance.h"

namespace hart {
namespace {

constexpr CommandFactory kCommands[] = {init_command,   ingest_command,   rm_source_command, models_command,
                                        tensors_command, rm_command,      export_command,    generate_command, chat_command,
                                        tokenize_command, embed_command,  sql_command,       check_command,
                                        index_command,   embed_atoms_command, search_command,
                                        importance_command, extract_command, lineage_command,
                                        eval_command,    compare_command,  serve_command,
                                        keys_command};

// A command that inserted into a vector collection may have left it to the background
// thread to seal and merge; leaving now would cancel that work, so the command waits.
int finish_background_work(int rc) {
  if (search::maintenance_status().queued) {
    std::fprintf(stderr, "hart: sealing and merging vector collections before exiting\n");
    search::wait_for_maintenance(std::chrono::hours(24));
  }
  if (const search::MaintenanceStatus s = search::maintenance_status(); s.failures)
    std::fprintf(stderr, "hart: warning: sealing a vector collection failed (it stays searchable, exactly): %s\n",
                 s.last_error.c_str());
  return rc;
}

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
    if (c->app->parsed()) return finish_background_work(c->run());
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
