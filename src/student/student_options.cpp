#include "student/student_options.h"

#include <charconv>

#include "util/error.h"

namespace hart {
namespace {

double fraction(const nlohmann::json& v, const char* key, bool zero_ok, bool one_ok) {
  if (!v.is_number()) throw UsageError(std::string("student option '") + key + "' must be a number");
  double f = v.get<double>();
  bool ok = (zero_ok ? f >= 0 : f > 0) && (one_ok ? f <= 1 : f < 1);
  if (!ok)
    throw UsageError(std::string("student option '") + key + "' is " + v.dump() + "; it must be in " +
                     (zero_ok ? "[0, " : "(0, ") + (one_ok ? "1]" : "1)"));
  return f;
}

std::string method(const nlohmann::json& v, const char* key) {
  if (!v.is_string() || (v != "magnitude" && v != "wanda" && v != "random"))
    throw UsageError(std::string("student option '") + key + "' is " + v.dump() +
                     "; it must be \"magnitude\", \"wanda\" or \"random\"");
  return v.get<std::string>();
}

}  // namespace

StudentOptions parse_student_options(const std::string& text) {
  StudentOptions o;
  if (text.empty()) return o;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw UsageError(std::string("student options are not JSON: ") + e.what());
  }
  if (!j.is_object()) throw UsageError("student options must be a JSON object, e.g. {\"sparsity\": 0.5}");
  for (auto& [key, v] : j.items()) {
    if (key == "heads") o.heads = fraction(v, "heads", false, true);
    else if (key == "neurons") o.neurons = fraction(v, "neurons", false, true);
    else if (key == "heads_by") o.heads_by = method(v, "heads_by");
    else if (key == "neurons_by") o.neurons_by = method(v, "neurons_by");
    else if (key == "sparsity") o.sparsity = fraction(v, "sparsity", true, false);
    else if (key == "threshold") o.threshold = fraction(v, "threshold", true, true);
    else if (key == "method") o.method = method(v, "method");
    else if (key == "seed") {
      if (!v.is_number_unsigned()) throw UsageError("student option 'seed' must be a non-negative integer");
      o.seed = v.get<uint64_t>();
    } else if (key == "nm") {
      std::string s = v.is_string() ? v.get<std::string>() : "";
      auto colon = s.find(':');
      int n = 0, m = 0;
      bool ok = colon != std::string::npos &&
                std::from_chars(s.data(), s.data() + colon, n).ptr == s.data() + colon &&
                std::from_chars(s.data() + colon + 1, s.data() + s.size(), m).ptr == s.data() + s.size();
      if (!ok || n < 1 || m < 2 || n >= m || m > 64)
        throw UsageError("student option 'nm' is " + v.dump() + "; it must be \"N:M\" with 1 <= N < M <= 64, e.g. \"2:4\"");
      o.nm_n = n;
      o.nm_m = m;
    } else {
      throw UsageError("unknown student option '" + key +
                       "' (known: heads, heads_by, neurons, neurons_by, sparsity, threshold, nm, method, seed)");
    }
  }
  if (int(bool(o.sparsity)) + int(bool(o.threshold)) + int(o.nm_m > 0) > 1)
    throw UsageError("student options 'sparsity', 'threshold' and 'nm' are alternatives: give one");
  return o;
}

nlohmann::ordered_json StudentOptions::to_json() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (heads) j["heads"] = *heads, j["heads_by"] = heads_by;
  if (neurons) j["neurons"] = *neurons, j["neurons_by"] = neurons_by;
  if (sparsity) j["sparsity"] = *sparsity;
  if (threshold) j["threshold"] = *threshold;
  if (nm_m) j["nm"] = std::to_string(nm_n) + ":" + std::to_string(nm_m);
  if (sparsifies()) j["method"] = method;
  if (method == "random" || heads_by == "random" || neurons_by == "random") j["seed"] = seed;
  return j;
}

}  // namespace hart
