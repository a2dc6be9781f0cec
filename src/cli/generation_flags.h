// The generation flags `hart generate` and `hart chat` share (--options JSON and
// --max-tokens, --temperature, --top-k, --top-p, --seed, --threads), and the line
// they print about each run on stderr.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/command.h"
#include "engine/inference.h"

namespace hart {

struct GenerationFlags {
  std::string options_json;
  // Unset flags leave --options (or the defaults) alone; set ones are checked by
  // GenerationOptions, not CLI11, so a bad value gets SQL's message (NaN included).
  // Integer flags stay text: CLI11 would saturate 99999999999999999999 to INT64_MAX.
  std::optional<std::string> max_tokens, threads, top_k, seed;
  std::optional<double> temperature, top_p;

  void add_to(CLI::App* app);
  // --options with the flags over the same keys, not yet validated.
  nlohmann::json merged(std::map<std::string, std::string>& typed) const;
  // The same, validated (flags override the same keys in --options).
  GenerationOptions options() const;
};

// "[5 prompt tokens in 1.2 ms (...); 8 generated in ...; stop: eos; seed 42; inference #3]"
void print_generation_stats(const GenerateCall& call);

}  // namespace hart
