// hart importance FILE MODEL --method magnitude|wanda|influence [--calibration SQL]
// — computes and stores importance scores (student/importance.h), then prints the
// per-layer scores.
#include <cstdio>

#include "cli/command.h"
#include "student/importance.h"

namespace hart {
namespace {

struct ImportanceCommand : Command {
  ImportanceOptions options;
  bool json = false;
  int run() override {
    auto db = open_database(db_path);
    ImportanceReport rep = compute_importance(*db, model, options);
    if (json) {
      std::printf("%s\n", rep.to_json().c_str());
      return 0;
    }
    std::printf("%s scores of '%s' stored (score set %lld): %lld tensors scored, %lld unit scores", rep.method.c_str(),
                model.c_str(), static_cast<long long>(rep.set_id), static_cast<long long>(rep.tensors_scored),
                static_cast<long long>(rep.units));
    if (rep.calibration_tokens)
      std::printf(", %lld calibration tokens in %lld passes", static_cast<long long>(rep.calibration_tokens),
                  static_cast<long long>(rep.passes));
    std::printf(", %.2f s\n", rep.seconds);
    Stmt s = db->prepare("SELECT layer, printf('%.6g', score) AS score FROM layer_scores WHERE model = ? AND method = ? "
                         "ORDER BY layer");
    s.bind(1, model).bind(2, rep.method);
    print_table(collect(s.raw()), OutputMode::kTable, stdout);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> importance_command(CLI::App& parent) {
  auto c = std::make_unique<ImportanceCommand>();
  c->declare(parent, "importance",
             "Compute and store importance scores of a llama model's weights, heads, neurons and layers")
      .with_file()
      .with_model();
  c->app->add_option("--method", c->options.method, "magnitude, wanda or influence")->required();
  c->app->add_option("--calibration", c->options.calibration,
                     "SQL returning the calibration text (wanda, influence), e.g. \"SELECT text FROM atoms_text\"");
  c->app->add_option("--ctx", c->options.ctx, "Tokens per calibration pass (default: the model's context, at most 512)");
  c->app->add_option("--max-tokens", c->options.max_tokens, "Calibration tokens read at most")->capture_default_str();
  c->app->add_option("--threads", c->options.threads, "Threads (default: every core)");
  c->app->add_flag("--json", c->json, "Print the report as JSON");
  return c;
}

}  // namespace hart
