// hart tensors FILE MODEL — list a model's tensors.
#include "cli/command.h"
#include "store/models.h"

namespace hart {
namespace {

struct TensorsCommand : Command {
  OutputFlags out;
  int run() override {
    auto db = open_database(db_path);
    ModelRow m = require_model(*db, model);
    run_sql(*db,
            "SELECT position AS pos, name, layer, kind, shape, dtype, n_elements AS elements, n_bytes AS bytes,"
            " round(v_min, 6) AS min, round(v_max, 6) AS max, round(v_std, 6) AS std"
            " FROM tensors WHERE model_id = " + std::to_string(m.id) + " ORDER BY position",
            out.mode());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> tensors_command(CLI::App& parent) {
  auto c = std::make_unique<TensorsCommand>();
  c->declare(parent, "tensors", "List a model's tensors").with_file().with_model();
  c->out.add_to(c->app);
  return c;
}

}  // namespace hart
