#include "cli/command.h"

#include "engine/text_query.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/text_query.h"
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

void TextSource::add_to(CLI::App* cmd) {
  auto* text = cmd->add_option("--text", sql, "SQL whose rows' first column is the text (joined by newlines)");
  auto* path = cmd->add_option("--file", file, "A file holding the text")->check(CLI::ExistingFile);
  text->excludes(path);
}

std::string TextSource::read(Database& db) const {
  if (sql.empty() && file.empty()) throw UsageError("give the text: --text \"SQL returning text\" or --file PATH");
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) throw UsageError("--file: cannot read " + file);
    return bytes.str();
  }
  return text_from_query(db.handle(), sql, "--text");
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
