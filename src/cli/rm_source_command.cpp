// hart rm-source FILE PATH... — forget ingested files or folders.
#include <cstdio>

#include "cli/command.h"
#include "store/atoms.h"
#include "util/progress.h"

namespace hart {
namespace {

struct RmSourceCommand : Command {
  std::vector<std::string> paths;
  int run() override {
    auto db = open_database(db_path);
    for (const std::string& p : paths) {
      SourceRemoval r = remove_source(*db, p);
      std::printf("removed %lld source(s) under %s; freed %lld atoms (%s of chunks) nothing else used\n",
                  static_cast<long long>(r.sources), source_path(p).c_str(), static_cast<long long>(r.atoms_freed),
                  format_bytes(static_cast<double>(r.bytes_freed)).c_str());
    }
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> rm_source_command(CLI::App& parent) {
  auto c = std::make_unique<RmSourceCommand>();
  c->declare(parent, "rm-source", "Forget ingested files or folders; free atoms nothing else uses").with_file();
  c->app->add_option("PATH", c->paths, "Files or folders as they were ingested")->required();
  return c;
}

}  // namespace hart
