// hart index FILE COLLECTION [status|seal|merge] — a vector collection's segments
// (ARCHITECTURE.md, "Vector collections"): list them, seal the writable one, or merge
// the sealed ones dropping deleted rows. The same commands as
// INSERT INTO c(c) VALUES ('seal'), run in one transaction.
#include <cstdio>

#include "cli/command.h"

namespace hart {
namespace {

struct IndexCommand : Command {
  std::string collection, action = "status";
  OutputFlags output;

  int run() override {
    auto db = open_database(db_path);
    Stmt found = db->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? AND sql LIKE '%USING hart_vectors%'");
    found.bind(1, std::string_view(collection));
    if (!found.step())
      throw UsageError("no vector collection '" + collection + "' in " + db_path +
                       " (make one with CREATE VIRTUAL TABLE ... USING hart_vectors(...))");
    const std::string table = quote_identifier(collection);
    if (action == "seal" || action == "merge") {
      Stmt before = db->prepare("SELECT count(*), coalesce(sum(n_deleted), 0) FROM " + quote_identifier(collection + "_segments") +
                                " WHERE id > 0");
      before.step();
      const int64_t segments = before.int64(0), deleted = before.int64(1);
      db->exec("INSERT INTO " + table + "(" + table + ") VALUES ('" + action + "')");
      std::printf("%s: %s done (%lld sealed segment%s and %lld deleted row%s before)\n", collection.c_str(),
                  action.c_str(), static_cast<long long>(segments), segments == 1 ? "" : "s",
                  static_cast<long long>(deleted), deleted == 1 ? "" : "s");
    }
    Stmt st = db->prepare("SELECT id AS segment, CASE id WHEN 0 THEN 'writable' ELSE 'sealed' END AS kind, "
                          "n_vectors AS vectors, n_deleted AS deleted, created_at FROM " +
                          quote_identifier(collection + "_segments") + " ORDER BY id");
    print_table(collect(st.raw()), output.mode(), stdout);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> index_command(CLI::App& parent) {
  auto c = std::make_unique<IndexCommand>();
  c->declare(parent, "index", "Show, seal or merge the segments of a vector collection (hart_vectors)").with_file();
  c->app->add_option("COLLECTION", c->collection, "The collection (a hart_vectors table)")->required();
  c->app->add_option("ACTION", c->action, "status (default), seal or merge")
      ->check(CLI::IsMember({"status", "seal", "merge"}));
  c->output.add_to(c->app);
  return c;
}

}  // namespace hart
