// hart generate FILE MODEL PROMPT [options] — stream generated text; statistics on stderr.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "engine/inference.h"
#include "util/error.h"

namespace hart {
namespace {

std::string describe(const RecordedInference& r) {
  switch (r.state) {
    case RecordedInference::State::kWritten: return "inference #" + std::to_string(r.id);
    case RecordedInference::State::kLate: return "inference record late (" + r.why + "): written in the background";
    case RecordedInference::State::kNotRecorded: return "inference not recorded (" + r.why + ")";
  }
  return "";
}

struct GenerateCommand : Command {
  std::string prompt, options_json;
  // Unset flags leave --options (or the defaults) alone; set ones are checked by
  // GenerationOptions, not CLI11, so a bad value gets SQL's message (NaN included).
  // Integer flags stay text: CLI11 would saturate 99999999999999999999 to INT64_MAX.
  std::optional<std::string> max_tokens, threads, top_k, seed;
  std::optional<double> temperature, top_p;

  // Flags override the same keys in --options; GenerationOptions validates the whole.
  GenerationOptions options() const {
    nlohmann::json o = options_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(options_json, nullptr, false);
    if (o.is_discarded() || !o.is_object()) throw UsageError("--options: not a JSON object: " + options_json);
    std::map<std::string, std::string> typed;  // quoted as typed when refused
    // The integer the text spells, or the text itself (refused as not an integer).
    auto integer = [&](const char* key, const std::optional<std::string>& text) {
      if (!text) return;
      typed[key] = *text;
      const char* end = text->data() + text->size();
      int64_t i = 0;
      uint64_t u = 0;
      if (auto r = std::from_chars(text->data(), end, i); r.ec == std::errc() && r.ptr == end) o[key] = i;
      else if (auto r = std::from_chars(text->data(), end, u); r.ec == std::errc() && r.ptr == end) o[key] = u;
      else o[key] = *text;
    };
    integer("max_tokens", max_tokens);
    if (temperature) o["temperature"] = *temperature;
    integer("top_k", top_k);
    if (top_p) o["top_p"] = *top_p;
    integer("seed", seed);
    integer("threads", threads);
    return parse_generation_options_object(o, typed);
  }

  int run() override {
    const GenerationOptions opts = options();
    auto db = open_database(db_path);
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
    GenerateCall call;
    try {
      call = run_generate(db->handle(), model, prompt, opts, [](std::string_view piece) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return true;
      });
    } catch (...) {
      std::printf("\n");  // the error starts its own line, not after the prompt
      throw;
    }
    const GenerationResult& r = call.result;
    std::printf("\n");
    std::fflush(stdout);  // the text ends before the statistics line, even through a pipe
    std::fprintf(stderr, "[%d prompt tokens in %.1f ms (%.0f tok/s); %zu generated in %.1f ms (%.0f tok/s); stop: %s; seed %llu; %s]\n",
                 r.prompt_tokens, r.prompt_seconds * 1e3, r.prompt_tokens / std::max(r.prompt_seconds, 1e-9),
                 r.tokens.size(), r.generate_seconds * 1e3, r.tokens.size() / std::max(r.generate_seconds, 1e-9),
                 r.stop_reason.c_str(), static_cast<unsigned long long>(r.seed), describe(call.record).c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> generate_command(CLI::App& parent) {
  auto c = std::make_unique<GenerateCommand>();
  CLI::App* app = c->declare(parent, "generate", "Generate text with a stored model, streaming tokens as they come")
                      .with_file().with_model().app;
  app->add_option("PROMPT", c->prompt, "The prompt (may be empty)")->required();
  app->add_option("--options", c->options_json, "Options as JSON (see README), e.g. '{\"stop\": [\"\\n\"]}'");
  app->add_option("--max-tokens,-n", c->max_tokens, "New tokens at most");
  app->add_option("--temperature,-t", c->temperature, "0 = greedy");
  app->add_option("--top-k", c->top_k, "0 = all");
  app->add_option("--top-p", c->top_p, "Nucleus sampling mass");
  app->add_option("--seed", c->seed, "Random seed");
  app->add_option("--threads", c->threads, "Threads (default: all cores)");
  return c;
}

}  // namespace hart
