// hart compare FILE TEACHER STUDENT (--text SQL | --file PATH) — a student beside its
// teacher on the same chunks of a text (engine/evaluation.h): perplexities, KL
// divergence, top-1 agreement, sizes and greedy speed, as a two-column table.
#include <cstdio>

#include "cli/command.h"
#include "engine/evaluation.h"
#include "model/generation_options.h"
#include "store/model_evaluations.h"

namespace hart {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

Cell number(std::string text) { return Cell{Cell::kReal, std::move(text)}; }

struct CompareCommand : Command {
  std::string teacher, student;
  TextSource source;
  EvalOptions options;
  bool json = false;

  int run() override {
    auto db = open_database(db_path);
    const std::string text = source.read(*db);
    // The student's perplexity so far.
    const ComparisonResult r = run_comparison(db->handle(), teacher, student, text, options, print_chunk_progress);
    std::fprintf(stderr, "\n");
    record_evaluation(*db, student, teacher, source.describe(), r.to_json());
    if (json) {
      std::printf("%s\n", r.to_json().c_str());
      return 0;
    }
    ResultTable t;
    t.columns = {"", teacher, student};
    auto row = [&](const char* what, std::string a, std::string b) {
      t.rows.push_back({Cell{Cell::kText, what}, number(std::move(a)), number(std::move(b))});
    };
    const ModelFigures &a = r.teacher, &b = r.student;
    row("perplexity", fixed(a.perplexity, 4) + " ± " + fixed(a.standard_error, 4),
        fixed(b.perplexity, 4) + " ± " + fixed(b.standard_error, 4));
    row("mean KL (teacher ‖ student)", "", fixed(r.mean_kl, 6));
    row("top-1 agreement", "", fixed(r.top1_agreement, 4));
    row("parameters (dense)", std::to_string(a.parameters), std::to_string(b.parameters));
    row("parameters (non-zero)", fixed(a.nonzero_parameters, 0), fixed(b.nonzero_parameters, 0));
    row("bytes", std::to_string(a.bytes), std::to_string(b.bytes));
    row("bytes not shared with the teacher", "", std::to_string(b.bytes_not_shared));
    row("greedy tokens/s", r.gen_tokens ? fixed(a.gen_tokens_per_second, 1) : "",
        r.gen_tokens ? fixed(b.gen_tokens_per_second, 1) : "");
    print_table(t, OutputMode::kTable, stdout);
    std::printf("%lld scored tokens (%d chunks of %d); %d generated tokens timed per model; %d threads\n",
                static_cast<long long>(r.scored), r.n_chunks, r.ctx, r.gen_tokens, r.threads);
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> compare_command(CLI::App& parent) {
  auto c = std::make_unique<CompareCommand>();
  c->declare(parent, "compare", "Compare a student model with its teacher on a text (perplexity, KL, agreement, size, speed)")
      .with_file();
  c->app->add_option("TEACHER", c->teacher, "The reference model")->required();
  c->app->add_option("STUDENT", c->student, "The model compared with it")->required();
  add_eval_flags(c->app, c->source, c->options);
  add_integer_option(c->app, "--gen-tokens", c->options.gen_tokens,
                     "Greedy tokens timed per model (default 64; 0: no speed test)", 0, kMaxGenerateTokens);
  c->app->add_flag("--json", c->json, "Print the result as JSON");
  return c;
}

}  // namespace hart
