// The server's request parser (server/openai_api.h) on arbitrary bodies, for the
// completions and the chat endpoint (the first byte chooses). An ApiError with status
// 400 is the only expected failure; an accepted request must hold what the scheduler
// relies on: a model name, options in range, n in 1..16, a non-empty conversation of
// known roles with string content (chat) or a prompt.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/openai_api.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& body) {
  std::fprintf(stderr, "%s: %s\n", what, body.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool chat = data[0] & 1;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  hart::server::CompletionRequest r;
  try {
    r = hart::server::parse_completion_request(body, chat);
  } catch (const hart::server::ApiError& e) {
    if (e.status != 400) fail("an ApiError other than 400", body);
    if (std::string(e.what()).empty()) fail("an error without a message", body);
    return 0;
  }
  if (r.model.empty()) fail("accepted without a model", body);
  if (r.n < 1 || r.n > 16) fail("n out of range", body);
  const hart::GenerationOptions& o = r.options;
  if (o.max_tokens < 1 || o.temperature < 0 || o.temperature > 2 || o.top_p < 0 || o.top_p > 1 || o.top_k < 0)
    fail("options out of range", body);
  if (chat) {
    if (!r.messages.is_array() || r.messages.empty()) fail("accepted an empty conversation", body);
    for (const auto& m : r.messages) {
      const std::string role = m.at("role").get<std::string>();
      if (role != "system" && role != "developer" && role != "user" && role != "assistant" && role != "tool")
        fail("accepted an unknown role", body);
      if (m.contains("content") && !m["content"].is_null() && !m["content"].is_string())
        fail("content parts left unjoined", body);
    }
  } else if (r.prompt_ids.empty() && body.find("prompt") == std::string::npos) {
    fail("accepted without a prompt", body);
  }
  return 0;
}
