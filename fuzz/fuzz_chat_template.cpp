// A chat template's text (a model's tokenizer.chat_template is untrusted input): the
// parser and the evaluator, rendering a fixed conversation with small limits.
// chat::TemplateError and UsageError are the only expected failures; any other
// exception, a crash, a hang or a sanitizer report is a bug.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "chat/chat_template.h"
#include "util/error.h"

namespace {

const nlohmann::ordered_json& messages() {
  static const nlohmann::ordered_json m = nlohmann::ordered_json::parse(R"([
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "Hi \u00e9 \ud83d\udc4b"},
    {"role": "assistant", "content": "<think>x</think>Hello", "tool_calls": [
      {"id": "call12345", "type": "function", "function": {"name": "f", "arguments": {"a": [1, 2.5, null, true]}}}]},
    {"role": "tool", "tool_call_id": "call12345", "content": "{\"r\": 1}"},
    {"role": "user", "content": "  again  "}])");
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  hart::chat::ChatTemplateOptions options;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  options.tools = nlohmann::ordered_json::parse(R"([{"type": "function", "function": {"name": "f", "parameters": {}}}])");
  options.limits.max_steps = 20'000;
  options.limits.max_output_bytes = 1 << 20;
  std::tm now{};
  options.now = now;
  try {
    hart::chat::ChatTemplate::parse(text).render(messages(), options);
  } catch (const hart::UsageError&) {  // TemplateError is one
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}
