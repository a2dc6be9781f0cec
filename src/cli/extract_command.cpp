// hart extract FILE PARENT NEW [--query SQL | --layers L,... | --drop-layers N --by B]
//   [--keep-heads F] [--keep-neurons F] [--sparsity F | --threshold T | --nm N:M]
//   [--method M] [--options JSON] — makes a student (student/student.h). The flags
// are written into the query and options the student records, so its lineage says
// exactly what was done.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "student/student.h"
#include "student/student_query.h"

namespace hart {
namespace {

struct ExtractCommand : Command {
  std::string name, query, options_json, heads_by, neurons_by, method, nm;
  LayerChoice layers;
  double keep_heads = 0, keep_neurons = 0, sparsity = -1, threshold = -1;
  int64_t seed = -1;
  bool json = false;

  int run() override {
    auto db = open_database(db_path);
    CLI::App& a = *app;
    const bool layer_flags = a.count("--layers") || a.count("--drop-layers");
    if (!query.empty() && layer_flags) throw UsageError("give --query or --layers/--drop-layers, not both");
    if (query.empty()) query = student_query(*db, model, layers);
    nlohmann::json o = options_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(options_json, nullptr, false);
    if (!o.is_object()) throw UsageError("--options must be a JSON object");
    auto put = [&](const char* flag, const char* key, auto value) {
      if (!a.count(flag)) return;
      if (o.contains(key)) throw UsageError(std::string(flag) + " and --options both set '" + key + "'");
      o[key] = value;
    };
    put("--keep-heads", "heads", keep_heads);
    put("--heads-by", "heads_by", heads_by);
    put("--keep-neurons", "neurons", keep_neurons);
    put("--neurons-by", "neurons_by", neurons_by);
    put("--sparsity", "sparsity", sparsity);
    put("--threshold", "threshold", threshold);
    put("--nm", "nm", nm);
    put("--method", "method", method);
    put("--seed", "seed", seed);
    StudentReport rep = extract_student(*db, model, name, query, o.dump());
    if (json) {
      std::printf("%s\n", rep.to_json().c_str());
      return 0;
    }
    std::printf("student '%s' of '%s': %lld layers, %lld heads (%lld KV), feed-forward %lld; %lld parameters, %lld bytes\n",
                rep.name.c_str(), rep.parent.c_str(), static_cast<long long>(rep.layers),
                static_cast<long long>(rep.heads), static_cast<long long>(rep.kv_heads), static_cast<long long>(rep.ffn),
                static_cast<long long>(rep.parameter_count), static_cast<long long>(rep.n_bytes));
    std::printf("tensors: %lld shared with the parent, %lld written; %lld weights zeroed; %llu new bytes stored in %llu "
                "chunks (%llu chunks shared); %.2f s\n",
                static_cast<long long>(rep.tensors_shared), static_cast<long long>(rep.tensors_written),
                static_cast<long long>(rep.weights_zeroed), static_cast<unsigned long long>(rep.bytes_written),
                static_cast<unsigned long long>(rep.chunks_new), static_cast<unsigned long long>(rep.chunks_shared),
                rep.seconds);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> extract_command(CLI::App& parent) {
  auto c = std::make_unique<ExtractCommand>();
  c->declare(parent, "extract", "Make a student model from a stored llama model by a query and options")
      .with_file()
      .with_model();
  CLI::App& a = *c->app;
  a.add_option("NEW", c->name, "The student's name")->required();
  a.add_option("--query", c->query, "SQL returning the tensors to keep (a column id or name)");
  a.add_option("--layers", c->layers.layers, "Keep these layers (blocks), e.g. 0,1,2")->delimiter(',');
  a.add_option("--drop-layers", c->layers.drop, "Drop this many layers");
  a.add_option("--by", c->layers.by, "Which layers --drop-layers drops: influence (lowest first) or last")
      ->capture_default_str();
  a.add_option("--keep-heads", c->keep_heads, "Fraction of attention heads kept per layer");
  a.add_option("--heads-by", c->heads_by, "Head scores: magnitude, wanda or random");
  a.add_option("--keep-neurons", c->keep_neurons, "Fraction of feed-forward neurons kept per layer");
  a.add_option("--neurons-by", c->neurons_by, "Neuron scores: magnitude, wanda or random");
  a.add_option("--sparsity", c->sparsity, "Fraction of each block matrix's weights zeroed");
  a.add_option("--threshold", c->threshold, "Zero the weights whose importance is below this");
  a.add_option("--nm", c->nm, "N:M sparsity, e.g. 2:4");
  a.add_option("--method", c->method, "Scores for sparsity: magnitude, wanda or random");
  a.add_option("--seed", c->seed, "Seed of random choices");
  a.add_option("--options", c->options_json, "Options as JSON (see the README), e.g. {\"sparsity\": 0.5}");
  a.add_flag("--json", c->json, "Print the report as JSON");
  return c;
}

}  // namespace hart
