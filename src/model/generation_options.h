// Options of generate(), as the JSON a user passes from SQL or the CLI:
//   {"max_tokens": 64, "temperature": 0.8, "top_k": 40, "top_p": 0.95, "min_p": 0,
//    "repeat_penalty": 1.1, "repeat_last_n": 64, "seed": 42, "stop": ["\n\n"], "threads": 2,
//    "cache_type": "f16", "response_format": {"type": "json_schema", "json_schema": {"schema": {...}}}}
// Unknown keys, wrong types and out-of-range values are errors naming the key, the
// allowed range and the value given. Defaults are greedy decoding (temperature 0),
// so a query gives the same answer every time unless asked otherwise.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/kv_type.h"

namespace hart {

class JsonGrammar;

inline constexpr int kMaxGenerateTokens = 1 << 20;
inline constexpr int kMaxThreads = 512;

struct GenerationOptions {
  int max_tokens = 128;          // new tokens at most (the context may end generation sooner)
  double temperature = 0.0;      // 0 = greedy (argmax)
  int top_k = 40;                // 0 = all tokens
  double top_p = 1.0;            // nucleus: smallest set with this much probability (1 = off)
  double min_p = 0.0;            // drop tokens below min_p x the top probability (0 = off)
  double repeat_penalty = 1.0;   // llama.cpp style: logit / p if > 0, logit x p if < 0 (1 = off; > 0)
  int repeat_last_n = 64;        // how many recent tokens the penalty looks at
  std::optional<uint64_t> seed;  // unset: drawn from the clock and reported back
  std::vector<std::string> stop; // generation ends before any of these strings
  int threads = 0;               // 0 = the machine's core count (more is capped to it)
  KvType cache_type = KvType::kF32;  // "cache_type": "f32" or "f16" (half the KV cache's memory)
  int top_logprobs = 0;          // each generated token also reports this many likeliest alternatives (API only)
  // response_format, OpenAI's shape: {"type": "text"}, {"type": "json_object"} (any
  // object; llama-server's "schema" beside it is read too) or {"type": "json_schema",
  // "json_schema": {"name", "schema", "strict"}}. The answer is sampled inside the
  // grammar (json_constraint.h); null for free text.
  std::shared_ptr<const JsonGrammar> json_grammar;
  std::string response_format;  // as given, recorded with the inference ("" for free text)

  // The options as JSON, with the seed actually used; recorded with each inference.
  std::string to_json() const;
};

GenerationOptions parse_generation_options(std::string_view json);
// The same from a JSON object already parsed (the CLI merges its flags into one),
// whose numbers may also be NaN or infinite: those are refused like any out of range.
// `typed`: the text a key's CLI flag was typed as, quoted in its error instead of the
// JSON value (99999999999999999999 is a JSON 1e+20; "abc" is no number at all).
GenerationOptions parse_generation_options_object(const nlohmann::json& options,
                                                  const std::map<std::string, std::string>& typed = {});

}  // namespace hart
