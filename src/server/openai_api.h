// The OpenAI API's shapes: requests read into the engine's options, responses and
// server-sent-event chunks written from its results, and OpenAI's error object.
// Unknown request fields are ignored, as OpenAI does; known ones of the wrong type or
// out of range are an ApiError naming the field (400).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/generator.h"
#include "util/error.h"

namespace hart::server {

// An error answered with OpenAI's error object and an HTTP status.
struct ApiError : Error {
  ApiError(int status, std::string type, std::string message, std::string param = "", std::string code = "")
      : Error(message), status(status), type(std::move(type)), param(std::move(param)), code(std::move(code)) {}
  int status;
  std::string type, param, code;
};
ApiError bad_request(const std::string& message, const std::string& param = "");
// A request body that must be a JSON object naming a stored model ("model"); a 400 otherwise.
nlohmann::json model_request(const std::string& body);

// {"error": {"message", "type", "param", "code"}}
nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& param = "",
                          const std::string& code = "");

// A completion request: POST /v1/completions (prompt) or /v1/chat/completions
// (messages, rendered to a prompt by the model's chat template).
struct CompletionRequest {
  std::string model;
  std::string prompt;             // completions: the prompt text
  std::vector<int32_t> prompt_ids;  // completions: a prompt given as token ids
  nlohmann::ordered_json messages;  // chat: the conversation, content parts joined into text
  nlohmann::ordered_json chat_template_kwargs = nlohmann::ordered_json::object();  // chat: more template variables
  GenerationOptions options;
  bool max_tokens_given = false;
  bool stream = false, include_usage = false;
  int n = 1;
  std::optional<int> logprobs;    // completions: top alternatives per token (0..5); chat: logprobs=true
  std::optional<int> top_logprobs;
  bool echo = false;
};
// `chat` selects the chat endpoint's fields and defaults.
CompletionRequest parse_completion_request(const std::string& body, bool chat);

// An id for a response: a prefix and 24 random hex digits.
std::string response_id(const char* prefix);

// OpenAI's finish_reason for a GenerationResult::stop_reason.
std::string finish_reason(const std::string& stop_reason);

// The non-streaming response of one or more choices.
struct Choice {
  std::string text;
  std::string finish;
  nlohmann::json logprobs;  // null when not asked
};
nlohmann::json completion_response(const std::string& id, int64_t created, const std::string& model, bool chat,
                                   const std::vector<Choice>& choices, int prompt_tokens, int completion_tokens);
// One streamed chunk: a piece of one choice's text, or its finish; `role_first`
// marks a chat stream's first chunk (delta.role).
nlohmann::json completion_chunk(const std::string& id, int64_t created, const std::string& model, bool chat, int index,
                                const std::string& text, const std::string& finish, bool role_first,
                                const nlohmann::json& logprobs = nullptr);
// The last chunk when stream_options.include_usage: no choices, the usage.
nlohmann::json usage_chunk(const std::string& id, int64_t created, const std::string& model, bool chat,
                           int prompt_tokens, int completion_tokens);

// Server-sent event framing: "data: <json>\n\n", and the final "data: [DONE]\n\n".
std::string sse_event(const nlohmann::json& data);
inline const char* kSseDone = "data: [DONE]\n\n";

}  // namespace hart::server
