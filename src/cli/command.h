// One `hart` subcommand: it declares its arguments on its own CLI11 subcommand and
// runs when chosen. Each command lives in its own file (<name>_command.cpp); main.cpp
// lists them. Validation of what the options mean belongs to the options structs the
// library takes (ContentRunOptions, GenerationOptions), so SQL, CLI and HTTP agree.
#pragma once
#include <CLI/CLI.hpp>
#include <charconv>
#include <limits>
#include <memory>
#include <string>

#include "cli/table_printer.h"
#include "store/database.h"
#include "util/error.h"

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
std::unique_ptr<Command> chat_command(CLI::App& parent);
std::unique_ptr<Command> tokenize_command(CLI::App& parent);
std::unique_ptr<Command> embed_command(CLI::App& parent);
std::unique_ptr<Command> sql_command(CLI::App& parent);
std::unique_ptr<Command> check_command(CLI::App& parent);
std::unique_ptr<Command> index_command(CLI::App& parent);
std::unique_ptr<Command> embed_atoms_command(CLI::App& parent);
std::unique_ptr<Command> search_command(CLI::App& parent);
std::unique_ptr<Command> importance_command(CLI::App& parent);
std::unique_ptr<Command> extract_command(CLI::App& parent);
std::unique_ptr<Command> lineage_command(CLI::App& parent);
std::unique_ptr<Command> eval_command(CLI::App& parent);
std::unique_ptr<Command> compare_command(CLI::App& parent);
std::unique_ptr<Command> serve_command(CLI::App& parent);
std::unique_ptr<Command> keys_command(CLI::App& parent);

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

// The value of an integer flag typed as `text`: a base-10 integer from `lo` to `hi`,
// else a UsageError naming the flag, the range and the text as typed.
template <class T>
T integer_flag(const std::string& flag, const std::string& text, T lo, T hi) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < lo || value > hi)
    throw UsageError(flag + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     ", got " + text);
  return value;
}

// An integer flag read by integer_flag, not CLI11, whose strtoll and strtoull
// saturate (99999999999999999999 becomes 9223372036854775807 or 18446744073709551615),
// wrap -1 to 18446744073709551615, and read 010 as octal.
template <class T>
CLI::Option* add_integer_option(CLI::App* app, const std::string& names, T& target, const std::string& about, T lo,
                                T hi = std::numeric_limits<T>::max()) {
  const std::string flag = names.substr(0, names.find(','));
  return app
      ->add_option_function<std::string>(
          names, [&target, flag, lo, hi](const std::string& text) { target = integer_flag(flag, text, lo, hi); },
          about)
      ->type_name("INT");
}

// The text `hart eval` and `hart compare` read: --text SQL (the rows' first column,
// in order, joined by "\n"; NULLs skipped) or --file PATH, one of the two.
struct TextSource {
  std::string sql, file;
  void add_to(CLI::App* cmd);
  // UsageError naming the query when it returns no text.
  std::string read(Database& db) const;
  // Where the text comes from, for records: the query, or "file:PATH".
  std::string describe() const { return file.empty() ? sql : "file:" + file; }
};

// The flags `hart eval` and `hart compare` share: the text, --ctx, --threads, --chunks.
struct EvalOptions;
// [chunk]perplexity so far on stderr, as llama-perplexity prints it (eval, compare).
void print_chunk_progress(int32_t chunk, double perplexity);
void add_eval_flags(CLI::App* app, TextSource& source, EvalOptions& options);

// Runs every statement in `sql`, printing the rows of those that return any.
void run_sql(Database& db, const std::string& sql, OutputMode mode);

}  // namespace hart
