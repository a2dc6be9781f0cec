#include "cli/generation_flags.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

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

}  // namespace

void GenerationFlags::add_to(CLI::App* app) {
  app->add_option("--options", options_json, "Options as JSON (see README), e.g. '{\"stop\": [\"\\n\"]}'");
  app->add_option("--max-tokens,-n", max_tokens, "New tokens at most");
  app->add_option("--temperature,-t", temperature, "0 = greedy");
  app->add_option("--top-k", top_k, "0 = all");
  app->add_option("--top-p", top_p, "Nucleus sampling mass");
  app->add_option("--seed", seed, "Random seed");
  app->add_option("--threads", threads, "Threads (default: all cores)");
}

nlohmann::json GenerationFlags::merged(std::map<std::string, std::string>& typed) const {
  nlohmann::json o = options_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(options_json, nullptr, false);
  if (o.is_discarded() || !o.is_object()) throw UsageError("--options: not a JSON object: " + options_json);
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
  return o;
}

GenerationOptions GenerationFlags::options() const {
  std::map<std::string, std::string> typed;  // quoted as typed when refused
  return parse_generation_options_object(merged(typed), typed);
}

void print_generation_stats(const GenerateCall& call) {
  const GenerationResult& r = call.result;
  std::fprintf(stderr,
               "[%d prompt tokens in %.1f ms (%.0f tok/s); %zu generated in %.1f ms (%.0f tok/s); stop: %s; seed %llu; "
               "%s kernels; %s]\n",
               r.prompt_tokens, r.prompt_seconds * 1e3, r.prompt_tokens / std::max(r.prompt_seconds, 1e-9),
               r.tokens.size(), r.generate_seconds * 1e3, r.tokens.size() / std::max(r.generate_seconds, 1e-9),
               r.stop_reason.c_str(), static_cast<unsigned long long>(r.seed), call.kernels,
               describe(call.record).c_str());
}

}  // namespace hart
