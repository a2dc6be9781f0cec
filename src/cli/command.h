// One `hart` subcommand: it declares its arguments on its own CLI11 subcommand and
// runs when chosen. Each command lives in its own file (<name>_command.cpp); main.cpp
// lists them. Validation of what the options mean belongs to the options structs the
// library takes (ContentRunOptions, GenerationOptions), so SQL, CLI and HTTP agree.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/table_printer.h"
#include "store/database.h"

namespace hart {

class Command {
 public:
  virtual ~Command() = default;
  virtual int run() = 0;  // the exit status

  CLI::App* app = nullptr;  // the subcommand, made by declare()
  std::string db_path;      // FILE, when with_file() declared it
  std::string model;        // MODEL, when with_model() declared it

  // The arguments most commands share, in the order they are written.
  Command& declare(CLI::App& parent, const char* name, const char* about);
  Command& with_file(const char* about = "Database file");
  Command& with_model();
};

using CommandFactory = std::unique_ptr<Command> (*)(CLI::App& parent);

// The factories, one per file.
std::unique_ptr<Command> init_command(CLI::App& parent);
std::unique_ptr<Command> ingest_command(CLI::App& parent);
std::unique_ptr<Command> rm_source_command(CLI::App& parent);
std::unique_ptr<Command> models_command(CLI::App& parent);
std::unique_ptr<Command> tensors_command(CLI::App& parent);
std::unique_ptr<Command> rm_command(CLI::App& parent);
std::unique_ptr<Command> export_command(CLI::App& parent);
std::unique_ptr<Command> generate_command(CLI::App& parent);
std::unique_ptr<Command> tokenize_command(CLI::App& parent);
std::unique_ptr<Command> embed_command(CLI::App& parent);
std::unique_ptr<Command> sql_command(CLI::App& parent);
std::unique_ptr<Command> check_command(CLI::App& parent);

// Settings of the `hart` command itself (main.cpp declares them), for every subcommand.
struct CliSettings {
  int busy_timeout_ms = kDefaultBusyTimeoutMs;
};
CliSettings& cli_settings();

// Opens an existing database with the SQL surface registered.
std::unique_ptr<Database> open_database(const std::string& path);

struct OutputFlags {
  bool csv = false, json = false;
  OutputMode mode() const { return json ? OutputMode::kJson : csv ? OutputMode::kCsv : OutputMode::kTable; }
  void add_to(CLI::App* cmd);
};

// Runs every statement in `sql`, printing the rows of those that return any.
void run_sql(Database& db, const std::string& sql, OutputMode mode);

}  // namespace hart
