#include "model/generation_options.h"

#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "model/json_grammar.h"
#include "util/error.h"

namespace hart {
namespace {

using json = nlohmann::json;

// The value as the user wrote it: the shortest form of a number (2, not 2.0, whether it
// came from SQL's JSON or a CLI flag), and NaN or infinity, which CLI flags can carry.
std::string shown(const json& v) {
  if (!v.is_number_float()) return v.dump();
  char text[64];
  auto end = std::to_chars(text, text + sizeof text, v.get<double>()).ptr;
  return std::string(text, end);
}

// Reads values, refusing bad ones in one wording. `typed`: what the CLI flags were
// typed as (parse_generation_options_object), quoted instead of the JSON value.
struct Checker {
  const std::map<std::string, std::string>& typed;

  [[noreturn]] void bad(const std::string& key, const std::string& want, const json& got) const {
    auto it = typed.find(key);
    throw UsageError("generate options: \"" + key + "\" must be " + want + ", got " +
                     (it != typed.end() ? it->second : shown(got)));
  }

  int get_int(const std::string& key, const json& v, int64_t lo, int64_t hi) const {
    if (!v.is_number_integer()) bad(key, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), v);
    int64_t x = v.get<int64_t>();
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) x = INT64_MAX;
    if (x < lo || x > hi) bad(key, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), v);
    return static_cast<int>(x);
  }

  enum class Low { kIncluded, kExcluded };

  // NaN fails every comparison, so it is refused along with values out of range.
  double get_real(const std::string& key, const json& v, double lo, double hi, Low low = Low::kIncluded) const {
    char range[96];
    if (low == Low::kIncluded) std::snprintf(range, sizeof range, "a number from %g to %g", lo, hi);
    else std::snprintf(range, sizeof range, "a number greater than %g and at most %g", lo, hi);
    if (!v.is_number()) bad(key, range, v);
    double x = v.get<double>();
    if (!((low == Low::kIncluded ? x >= lo : x > lo) && x <= hi)) bad(key, range, v);
    return x;
  }
};

// OpenAI's response_format object, into the grammar the answer must follow.
void read_response_format(const json& v, GenerationOptions& o) {
  auto bad = [&](const std::string& why) {
    throw UsageError("generate options: \"response_format\" " + why + ", got " + v.dump().substr(0, 200));
  };
  if (!v.is_object() || !v.contains("type") || !v["type"].is_string())
    bad("must be an object with a \"type\": \"text\", \"json_object\" or \"json_schema\"");
  const std::string type = v["type"];
  const json* schema = nullptr;
  if (type == "text") return;
  if (type == "json_object") {
    if (v.contains("schema")) schema = &v["schema"];
  } else if (type == "json_schema") {
    const json& spec = v.contains("json_schema") ? v["json_schema"] : v;
    if (!spec.is_object() || !spec.contains("schema"))
      bad("of type json_schema needs \"json_schema\": {\"name\": ..., \"schema\": {...}}");
    schema = &spec["schema"];
  } else {
    bad("has an unknown type \"" + type + "\" (known: text, json_object, json_schema)");
  }
  try {
    o.json_grammar = schema ? JsonGrammar::from_schema(*schema) : JsonGrammar::any_object();
  } catch (const UsageError& e) {
    throw UsageError(std::string("generate options: \"response_format\": ") + e.what());
  }
  o.response_format = v.dump();
}

}  // namespace

GenerationOptions parse_generation_options(std::string_view text) {
  if (text.empty()) return GenerationOptions{};
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw UsageError("generate options: not valid JSON: " + std::string(text.substr(0, 200)));
  return parse_generation_options_object(j);
}

GenerationOptions parse_generation_options_object(const nlohmann::json& j,
                                                  const std::map<std::string, std::string>& typed) {
  const Checker c{typed};
  GenerationOptions o;
  if (!j.is_object()) throw UsageError("generate options: expected a JSON object such as {\"max_tokens\": 32}");
  for (const auto& [key, v] : j.items()) {
    if (key == "max_tokens") o.max_tokens = c.get_int(key, v, 1, kMaxGenerateTokens);
    else if (key == "temperature") o.temperature = c.get_real(key, v, 0.0, 100.0);
    else if (key == "top_k") o.top_k = c.get_int(key, v, 0, 1 << 30);
    else if (key == "top_p") o.top_p = c.get_real(key, v, 0.0, 1.0);
    else if (key == "min_p") o.min_p = c.get_real(key, v, 0.0, 1.0);
    else if (key == "repeat_penalty")  // excluded: 0 divides by zero
      o.repeat_penalty = c.get_real(key, v, 0.0, 100.0, Checker::Low::kExcluded);
    else if (key == "repeat_last_n") o.repeat_last_n = c.get_int(key, v, 0, 1 << 20);
    else if (key == "threads") o.threads = c.get_int(key, v, 1, kMaxThreads);
    else if (key == "seed") {
      if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        c.bad(key, "a non-negative integer", v);
      o.seed = v.get<uint64_t>();
    } else if (key == "stop") {
      if (v.is_string()) v.get<std::string>().empty() ? c.bad(key, "a non-empty string or an array of them", v)
                                                     : o.stop.push_back(v.get<std::string>());
      else if (v.is_array()) {
        for (const auto& s : v) {
          if (!s.is_string() || s.get<std::string>().empty()) c.bad(key, "a non-empty string or an array of them", v);
          o.stop.push_back(s.get<std::string>());
        }
      } else c.bad(key, "a non-empty string or an array of them", v);
    } else if (key == "cache_type") {
      std::optional<KvType> type = v.is_string() ? kv_type_named(v.get<std::string>()) : std::nullopt;
      if (!type) c.bad(key, "\"f32\" or \"f16\"", v);
      o.cache_type = *type;
    } else if (key == "response_format") {
      read_response_format(v, o);
    } else {
      throw UsageError("generate options: unknown key \"" + key +
                       "\" (known: max_tokens, temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n,"
                       " seed, stop, threads, cache_type, response_format)");
    }
  }
  return o;
}

std::string GenerationOptions::to_json() const {
  json j = {{"max_tokens", max_tokens}, {"temperature", temperature}, {"top_k", top_k}, {"top_p", top_p},
            {"min_p", min_p}, {"repeat_penalty", repeat_penalty}, {"repeat_last_n", repeat_last_n},
            {"stop", stop}, {"threads", threads}};
  if (seed) j["seed"] = *seed;
  if (cache_type != KvType::kF32) j["cache_type"] = kv_type_name(cache_type);
  if (!response_format.empty()) j["response_format"] = json::parse(response_format);
  return j.dump();
}

}  // namespace hart
