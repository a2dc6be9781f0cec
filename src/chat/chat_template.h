// Applying a chat template: a conversation (OpenAI-style JSON messages) becomes the
// prompt text a model was trained on. The template is a model's own
// `tokenizer.chat_template` (Jinja, as Hugging Face renders it) or a built-in one
// chosen by name (builtin_templates.h).
//
//   ChatTemplate t = ChatTemplate::parse(text);   // TemplateError: line, column, what
//   std::string prompt = t.render(messages, {.add_generation_prompt = true,
//                                            .bos_token = "<s>", .eos_token = "</s>"});
#pragma once
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {

struct Program;

struct ChatTemplateOptions {
  bool add_generation_prompt = true;
  std::string bos_token;
  std::string eos_token;
  nlohmann::ordered_json tools;  // null: the variable `tools` is left undefined
  // More variables for the template, e.g. {"enable_thinking": false}.
  nlohmann::ordered_json variables = nlohmann::ordered_json::object();
  // The time strftime_now() formats; unset: the local time at rendering.
  std::optional<std::tm> now;
  RenderLimits limits;
};

class ChatTemplate {
 public:
  static ChatTemplate parse(const std::string& text);
  // `messages` is a JSON array of objects with at least "role" and "content".
  std::string render(const nlohmann::ordered_json& messages, const ChatTemplateOptions& options) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const Program> program_;
};

// Where a template comes from: `choice` (a built-in name or a template text, from
// --chat-template or the chat_template option) if given, else the model's own
// `model_template`. A UsageError names the unknown choice, or says the model has none,
// and lists the built-in names.
struct ResolvedTemplate {
  std::string text;
  std::string source;  // "built-in 'chatml'", "the model's tokenizer.chat_template", "the given template text"
};
ResolvedTemplate resolve_chat_template(const std::string& choice, const std::string& model_template);

// The texts of the tokens that end an assistant's turn in the supported families
// (<|eot_id|>, <|im_end|>, <end_of_turn>, <|end|>, ...): generation stops at them.
const std::vector<std::string>& end_of_turn_texts();

// resolve + parse + render; an error from a model's own template says which family it
// looks like and how to choose a built-in template instead.
std::string apply_chat_template(const std::string& choice, const std::string& model_template,
                                const nlohmann::ordered_json& messages, const ChatTemplateOptions& options);

}  // namespace hart::chat
