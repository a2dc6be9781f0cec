#include "cli/command.h"

#include <cstdio>

#include "sql/register.h"
#include "util/error.h"

namespace hart {

Command& Command::declare(CLI::App& parent, const char* name, const char* about) {
  app = parent.add_subcommand(name, about);
  return *this;
}

Command& Command::with_file(const char* about) {
  app->add_option("FILE", db_path, about)->required();
  return *this;
}

Command& Command::with_model() {
  app->add_option("MODEL", model, "Model name")->required();
  return *this;
}

CliSettings& cli_settings() {
  static CliSettings settings;
  return settings;
}

std::unique_ptr<Database> open_database(const std::string& path) {
  auto db = std::make_unique<Database>(path, Database::Mode::kOpenExisting, cli_settings().busy_timeout_ms);
  register_sql(*db);
  return db;
}

void OutputFlags::add_to(CLI::App* cmd) {
  auto* csv_flag = cmd->add_flag("--csv", csv, "Print CSV");
  cmd->add_flag("--json", json, "Print a JSON array of objects")->excludes(csv_flag);
}

void run_sql(Database& db, const std::string& sql, OutputMode mode) {
  const char* tail = sql.c_str();
  while (*tail) {
    sqlite3_stmt* st = nullptr;
    const char* next = nullptr;
    if (sqlite3_prepare_v2(db.handle(), tail, -1, &st, &next) != SQLITE_OK)
      throw Error(std::string("SQL error: ") + sqlite3_errmsg(db.handle()));
    tail = next;
    if (!st) continue;  // whitespace or a comment
    try {
      ResultTable t = collect(st);
      if (!t.columns.empty()) print_table(t, mode, stdout);
    } catch (...) {
      sqlite3_finalize(st);
      throw;
    }
    sqlite3_finalize(st);
  }
}

}  // namespace hart
