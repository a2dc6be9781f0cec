// hart eval FILE MODEL (--text SQL | --file PATH) — perplexity as llama-perplexity
// computes it (engine/evaluation.h): its running figures on stderr, then one line.
#include <cstdio>

#include "cli/command.h"
#include "engine/evaluation.h"
#include "model/generation_options.h"

namespace hart {
namespace {

struct EvalCommand : Command {
  TextSource source;
  EvalOptions options;
  bool json = false;

  int run() override {
    auto db = open_database(db_path);
    const std::string text = source.read(*db);
    const PerplexityResult r = run_perplexity(db->handle(), model, text, options, print_chunk_progress);
    std::fprintf(stderr, "\n");
    if (json) std::printf("%s\n", r.to_json().c_str());
    else
      std::printf("perplexity: %.4f ± %.5f over %lld tokens (%d chunks of %d)\n", r.perplexity, r.standard_error,
                  static_cast<long long>(r.scored), r.n_chunks, r.ctx);
    return 0;
  }
};

}  // namespace

// llama-perplexity's progress: [chunk]perplexity so far, on one line of stderr.
void print_chunk_progress(int32_t chunk, double perplexity) {
  std::fprintf(stderr, "[%d]%.4f,", chunk, perplexity);
  std::fflush(stderr);
}

// The flags shared with `hart compare`.
void add_eval_flags(CLI::App* app, TextSource& source, EvalOptions& options) {
  source.add_to(app);
  add_integer_option(app, "--ctx", options.ctx, "Tokens per chunk (default: the model's context, at most 512)",
                     kMinEvalContext, 1 << 24);
  add_integer_option(app, "--threads", options.threads, "Threads (default: all cores)", 1, kMaxThreads);
  add_integer_option(app, "--chunks", options.chunks, "Chunks at most (default: all)", 1, 1 << 30);
}

std::unique_ptr<Command> eval_command(CLI::App& parent) {
  auto c = std::make_unique<EvalCommand>();
  c->declare(parent, "eval", "Perplexity of a stored model on a text, as llama-perplexity computes it")
      .with_file()
      .with_model();
  add_eval_flags(c->app, c->source, c->options);
  c->app->add_flag("--json", c->json, "Print the result as JSON");
  return c;
}

}  // namespace hart
