// hart sql FILE QUERY — run SQL with every Hartonomous function and table.
#include "cli/command.h"

namespace hart {
namespace {

struct SqlCommand : Command {
  std::string query;
  OutputFlags out;
  int run() override {
    auto db = open_database(db_path);
    run_sql(*db, query, out.mode());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> sql_command(CLI::App& parent) {
  auto c = std::make_unique<SqlCommand>();
  c->declare(parent, "sql", "Run SQL (all Hartonomous functions and tables available)").with_file();
  c->app->add_option("QUERY", c->query, "One or more SQL statements")->required();
  c->out.add_to(c->app);
  return c;
}

}  // namespace hart
