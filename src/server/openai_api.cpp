#include "server/openai_api.h"

#include <random>

namespace hart::server {

using json = nlohmann::json;

ApiError bad_request(const std::string& message, const std::string& param) {
  return ApiError(400, "invalid_request_error", message, param);
}

json model_request(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw bad_request("the request body must be a JSON object");
  if (!j.contains("model") || !j["model"].is_string())
    throw bad_request("'model' is required: the name of a stored model", "model");
  return j;
}

json error_body(const std::string& message, const std::string& type, const std::string& param, const std::string& code) {
  json e = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!param.empty()) e["param"] = param;
  if (!code.empty()) e["code"] = code;
  return {{"error", e}};
}

namespace {

// The generation fields OpenAI and llama-server define, passed to the engine's own
// option parser (its messages name the key); null means unset, as in OpenAI.
const char* const kGenerationKeys[] = {"max_tokens", "temperature", "top_p", "seed", "stop",
                                       "top_k",      "min_p",       "repeat_penalty", "response_format"};

int small_int(const json& body, const char* key, int lo, int hi) {
  const json& v = body[key];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    throw bad_request(std::string("'") + key + "' must be an integer from " + std::to_string(lo) + " to " +
                          std::to_string(hi) + ", got " + v.dump(),
                      key);
  return v.get<int>();
}

bool boolean(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return false;
  if (!it->is_boolean()) throw bad_request(std::string("'") + key + "' must be true or false, got " + it->dump(), key);
  return it->get<bool>();
}

}  // namespace

CompletionRequest parse_completion_request(const std::string& body_text, bool chat) {
  json body = json::parse(body_text, nullptr, false);
  if (body.is_discarded()) throw bad_request("the request body is not valid JSON");
  if (!body.is_object()) throw bad_request("the request body must be a JSON object");
  CompletionRequest r;
  auto model = body.find("model");
  if (model == body.end() || !model->is_string() || model->get<std::string>().empty())
    throw bad_request("'model' is required: the name of a stored model (GET /v1/models lists them)", "model");
  r.model = model->get<std::string>();

  if (chat) {
    auto m = body.find("messages");
    if (m == body.end() || !m->is_array() || m->empty())
      throw bad_request("'messages' is required: a non-empty array of {\"role\", \"content\"} objects", "messages");
    for (size_t i = 0; i < m->size(); ++i) {
      const json& msg = (*m)[i];
      const std::string where = "messages[" + std::to_string(i) + "]";
      if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string())
        throw bad_request(where + " must be an object with a string 'role'", "messages");
      const std::string role = msg["role"];
      if (role != "system" && role != "developer" && role != "user" && role != "assistant" && role != "tool")
        throw bad_request(where + ".role '" + role + "' is not one of system, developer, user, assistant, tool",
                          "messages");
      if (msg.contains("content") && !msg["content"].is_null() && !msg["content"].is_string() &&
          !msg["content"].is_array())
        throw bad_request(where + ".content must be a string or an array of content parts", "messages");
      // Text parts are joined (templates expect a string); other parts need a model
      // that reads them, which this engine does not run yet.
      nlohmann::ordered_json one = nlohmann::ordered_json::parse(msg.dump());
      if (msg.contains("content") && msg["content"].is_array()) {
        std::string text;
        for (const json& part : msg["content"]) {
          if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
            throw bad_request(where + ".content holds a part that is not {\"type\": \"text\", \"text\": ...}: only text "
                              "parts are supported",
                              "messages");
          text += part["text"].get<std::string>();
        }
        one["content"] = text;
      }
      r.messages.push_back(std::move(one));
    }
    if (auto k = body.find("chat_template_kwargs"); k != body.end() && !k->is_null()) {
      if (!k->is_object()) throw bad_request("'chat_template_kwargs' must be an object", "chat_template_kwargs");
      r.chat_template_kwargs = nlohmann::ordered_json::parse(k->dump());
    }
  } else {
    auto p = body.find("prompt");
    if (p == body.end() || p->is_null()) throw bad_request("'prompt' is required", "prompt");
    if (p->is_string()) {
      r.prompt = p->get<std::string>();
    } else if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
      r.prompt = (*p)[0].get<std::string>();
    } else if (p->is_array() && !p->empty() && std::all_of(p->begin(), p->end(), [](const json& t) { return t.is_number_integer(); })) {
      for (const json& t : *p) r.prompt_ids.push_back(t.get<int32_t>());
    } else {
      throw bad_request("'prompt' must be a string, an array of one string, or an array of token ids "
                        "(several prompts per request are not supported: send one request each)",
                        "prompt");
    }
  }

  // Generation options: OpenAI's defaults (temperature 1, no top-k) unless given.
  json opts = {{"temperature", 1.0}, {"top_k", 0}};
  for (const char* key : kGenerationKeys)
    if (auto it = body.find(key); it != body.end() && !it->is_null()) opts[key] = *it;
  if (chat)
    if (auto it = body.find("max_completion_tokens"); it != body.end() && !it->is_null()) opts["max_tokens"] = *it;
  if (opts.contains("temperature") && opts["temperature"].is_number() && opts["temperature"].get<double>() > 2.0)
    throw bad_request("'temperature' must be a number from 0 to 2, got " + opts["temperature"].dump(), "temperature");
  r.max_tokens_given = opts.contains("max_tokens");
  if (!r.max_tokens_given) opts["max_tokens"] = chat ? kMaxGenerateTokens : 16;  // OpenAI: 16 for completions
  try {
    r.options = parse_generation_options_object(opts);
  } catch (const UsageError& e) {
    std::string msg = e.what();
    std::string param;
    if (auto q = msg.find('"'); q != std::string::npos)
      if (auto q2 = msg.find('"', q + 1); q2 != std::string::npos) param = msg.substr(q + 1, q2 - q - 1);
    throw bad_request(msg, param);
  }

  r.stream = boolean(body, "stream");
  if (auto so = body.find("stream_options"); so != body.end() && !so->is_null()) {
    if (!so->is_object()) throw bad_request("'stream_options' must be an object", "stream_options");
    if (!r.stream) throw bad_request("'stream_options' is only allowed when 'stream' is true", "stream_options");
    r.include_usage = boolean(*so, "include_usage");
  }
  if (body.contains("n") && !body["n"].is_null()) r.n = small_int(body, "n", 1, 16);
  if (chat) {
    if (boolean(body, "logprobs")) r.logprobs = 0;
    if (body.contains("top_logprobs") && !body["top_logprobs"].is_null()) {
      if (!r.logprobs) throw bad_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
      r.top_logprobs = small_int(body, "top_logprobs", 0, 20);
    }
  } else {
    if (body.contains("logprobs") && !body["logprobs"].is_null()) r.logprobs = small_int(body, "logprobs", 0, 5);
    r.echo = boolean(body, "echo");
  }
  return r;
}

std::string response_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx%08llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng() & 0xffffffffull));
  return std::string(prefix) + buf;
}

std::string finish_reason(const std::string& stop_reason) {
  if (stop_reason == "eos" || stop_reason == "stop") return "stop";
  return "length";  // max_tokens, context (and cancelled, never sent)
}

json completion_response(const std::string& id, int64_t created, const std::string& model, bool chat,
                         const std::vector<Choice>& choices, int prompt_tokens, int completion_tokens) {
  json out = json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const Choice& c = choices[i];
    json choice = {{"index", i}, {"finish_reason", c.finish}, {"logprobs", c.logprobs}};
    if (chat)
      choice["message"] = {{"role", "assistant"}, {"content", c.text}};
    else
      choice["text"] = c.text;
    out.push_back(std::move(choice));
  }
  return {{"id", id},
          {"object", chat ? "chat.completion" : "text_completion"},
          {"created", created},
          {"model", model},
          {"choices", out},
          {"usage",
           {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}}}};
}

json completion_chunk(const std::string& id, int64_t created, const std::string& model, bool chat, int index,
                      const std::string& text, const std::string& finish, bool role_first, const json& logprobs) {
  json choice = {{"index", index}, {"finish_reason", finish.empty() ? json(nullptr) : json(finish)}, {"logprobs", logprobs}};
  if (chat) {
    json delta = json::object();
    if (role_first) delta["role"] = "assistant";
    if (!text.empty() || (finish.empty() && !role_first)) delta["content"] = text;
    if (role_first && text.empty()) delta["content"] = "";
    choice["delta"] = delta;
  } else {
    choice["text"] = text;
  }
  return {{"id", id},
          {"object", chat ? "chat.completion.chunk" : "text_completion"},
          {"created", created},
          {"model", model},
          {"choices", json::array({choice})}};
}

json usage_chunk(const std::string& id, int64_t created, const std::string& model, bool chat, int prompt_tokens,
                 int completion_tokens) {
  return {{"id", id},
          {"object", chat ? "chat.completion.chunk" : "text_completion"},
          {"created", created},
          {"model", model},
          {"choices", json::array()},
          {"usage",
           {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}}}};
}

std::string sse_event(const json& data) { return "data: " + data.dump() + "\n\n"; }

}  // namespace hart::server
