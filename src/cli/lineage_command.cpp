// hart lineage FILE MODEL — the chain of models MODEL was derived from, back to its
// root: each with how it was made (query, options, scores) and its evaluations.
// The same rows are plain SQL: models.parent_id, the model_lineage view,
// model_evaluations.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"

namespace hart {
namespace {

struct LineageCommand : Command {
  bool json = false;
  int run() override {
    auto db = open_database(db_path);
    Stmt s = db->prepare(R"sql(
WITH RECURSIVE chain(id, depth) AS (
  SELECT id, 0 FROM models WHERE name = ?1
  UNION ALL SELECT m.parent_id, c.depth + 1 FROM chain c JOIN models m ON m.id = c.id WHERE m.parent_id IS NOT NULL)
SELECT c.depth, m.id, m.name, m.architecture, m.parameter_count, m.n_bytes, m.created_at, m.derivation,
       (SELECT json_group_array(json_object('reference', r.name, 'text', e.text_query, 'results', json(e.results),
                                            'at', e.created_at))
          FROM model_evaluations e LEFT JOIN models r ON r.id = e.reference_id WHERE e.model_id = m.id)
FROM chain c JOIN models m ON m.id = c.id ORDER BY c.depth)sql");
    s.bind(1, model);
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    while (s.step()) {
      nlohmann::ordered_json r{{"depth", s.int64(0)}, {"id", s.int64(1)}, {"name", s.text(2)},
                               {"architecture", s.text(3)}, {"parameters", s.int64(4)}, {"bytes", s.int64(5)},
                               {"created_at", s.text(6)}};
      r["derivation"] = s.is_null(7) ? nlohmann::ordered_json() : nlohmann::ordered_json::parse(s.text(7));
      r["evaluations"] = nlohmann::ordered_json::parse(s.text(8));
      out.push_back(std::move(r));
    }
    if (out.empty()) throw UsageError("no model named '" + model + "' (hart models lists them)");
    if (json) {
      std::printf("%s\n", out.dump(1).c_str());
      return 0;
    }
    for (const auto& r : out) {
      std::printf("%s%s  (%s, %lld parameters, %lld bytes, %s)\n", r["depth"].get<int64_t>() ? "<- " : "",
                  r["name"].get<std::string>().c_str(), r["architecture"].get<std::string>().c_str(),
                  static_cast<long long>(r["parameters"].get<int64_t>()),
                  static_cast<long long>(r["bytes"].get<int64_t>()), r["created_at"].get<std::string>().c_str());
      const auto& d = r["derivation"];
      if (d.is_object()) {
        for (const char* k : {"kind", "parent", "query", "options", "scores", "layers"})
          if (d.contains(k))
            std::printf("     %-8s %s\n", k, d[k].is_string() ? d[k].get<std::string>().c_str() : d[k].dump().c_str());
      } else {
        std::printf("     root (read from a file)\n");
      }
      for (const auto& e : r["evaluations"]) {
        const auto& res = e["results"];
        auto num = [&](const nlohmann::ordered_json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN; };
        if (res.contains("student") && res.contains("teacher"))
          std::printf("     evaluated against %s: perplexity %.4g (teacher %.4g), mean KL %.4g, top-1 agreement %.3f over %.0f tokens%s%s\n",
                      e["reference"].is_null() ? "a removed model" : e["reference"].get<std::string>().c_str(),
                      num(res["student"], "perplexity"), num(res["teacher"], "perplexity"), num(res, "mean_kl"),
                      num(res, "top1_agreement"), num(res, "scored_tokens"), e["text"].is_null() ? "" : " of ",
                      e["text"].is_null() ? "" : e["text"].get<std::string>().c_str());
        else
          std::printf("     evaluated: %s\n", res.dump().c_str());
      }
    }
    const auto& last = out.back()["derivation"];
    if (last.is_object() && last.contains("parent"))
      std::printf("<- %s  (removed since; the chain ends here)\n", last["parent"].get<std::string>().c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> lineage_command(CLI::App& parent) {
  auto c = std::make_unique<LineageCommand>();
  c->declare(parent, "lineage", "Show the models a model was derived from, back to its root, and how")
      .with_file()
      .with_model();
  c->app->add_flag("--json", c->json, "Print JSON");
  return c;
}

}  // namespace hart
