// hart rm FILE MODEL — remove a model.
#include <cstdio>

#include "cli/command.h"
#include "store/models.h"
#include "util/progress.h"

namespace hart {
namespace {

struct RmCommand : Command {
  int run() override {
    auto db = open_database(db_path);
    RemoveReport r = remove_model(*db, model);
    std::printf("removed model '%s'; freed %lld chunks (%s) no other model used\n", model.c_str(),
                static_cast<long long>(r.chunks_freed), format_bytes(static_cast<double>(r.bytes_freed)).c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> rm_command(CLI::App& parent) {
  auto c = std::make_unique<RmCommand>();
  c->declare(parent, "rm", "Remove a model; chunks no other model uses are freed").with_file().with_model();
  return c;
}

}  // namespace hart
