// generate()'s options JSON. UsageError is the only expected failure; accepted
// options must be in range, and their JSON (as recorded with each inference, the
// thread count filled in) must parse back to the same options. A response_format's
// grammar (model/json_grammar.h) is then fed the input's own bytes.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "model/generation_options.h"
#include "model/json_grammar.h"
#include "util/error.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& json) {
  std::fprintf(stderr, "%s: %s\n", what, json.c_str());
  std::abort();
}

bool same(const hart::GenerationOptions& a, const hart::GenerationOptions& b) {
  return a.max_tokens == b.max_tokens && a.temperature == b.temperature && a.top_k == b.top_k &&
         a.top_p == b.top_p && a.min_p == b.min_p && a.repeat_penalty == b.repeat_penalty &&
         a.repeat_last_n == b.repeat_last_n && a.seed == b.seed && a.stop == b.stop && a.threads == b.threads && a.cache_type == b.cache_type &&
         a.response_format == b.response_format && (a.json_grammar == nullptr) == (b.json_grammar == nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hart::GenerationOptions o;
  try {
    o = hart::parse_generation_options(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const hart::UsageError&) {
    return 0;
  }
  if (o.max_tokens < 1 || o.max_tokens > hart::kMaxGenerateTokens || o.threads < 0 || o.threads > hart::kMaxThreads ||
      !(o.temperature >= 0) || !(o.top_p >= 0 && o.top_p <= 1) || !(o.min_p >= 0 && o.min_p <= 1) ||
      !(o.repeat_penalty > 0 && o.repeat_penalty <= 100) ||
      o.top_k < 0 || o.repeat_last_n < 0)
    fail("accepted an option out of range", o.to_json());
  for (const std::string& s : o.stop)
    if (s.empty()) fail("accepted an empty stop string", o.to_json());
  if (o.threads == 0) o.threads = 1;  // inference.cpp records the count it used
  std::string json = o.to_json();
  hart::GenerationOptions back;
  try {
    back = hart::parse_generation_options(json);
  } catch (const hart::UsageError& e) {
    fail(e.what(), json);
  }
  if (!same(o, back)) fail("options changed on the way through JSON", json);
  if (o.json_grammar) {
    hart::JsonState state = o.json_grammar->start();
    for (size_t i = 0; i < size && o.json_grammar->feed(state, data[i]); ++i)
      if (state.stack.size() > hart::kMaxJsonDepth) fail("the grammar nested past its depth", json);
    if (state.finished && !o.json_grammar->can_end(state)) fail("a finished value cannot end", json);
  }
  return 0;
}
