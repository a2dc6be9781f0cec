#include "chat/chat_template.h"

#include "chat/ast.h"
#include "chat/builtin_templates.h"

namespace hart::chat {

ChatTemplate ChatTemplate::parse(const std::string& text) {
  ChatTemplate t;
  t.text_ = text;
  t.program_ = parse_template(text);
  return t;
}

std::string ChatTemplate::render(const nlohmann::ordered_json& messages, const ChatTemplateOptions& options) const {
  if (!messages.is_array()) throw UsageError("chat messages must be a JSON array of {\"role\", \"content\"} objects");
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      throw UsageError("chat message " + std::to_string(i) + " is not an object with a string \"role\"");
  }
  Context ctx(options.limits);
  install_globals(ctx, options.now);
  ctx.set_global("messages", Value::from_json(messages));
  ctx.set_global("add_generation_prompt", Value(options.add_generation_prompt));
  ctx.set_global("bos_token", Value(options.bos_token));
  ctx.set_global("eos_token", Value(options.eos_token));
  if (!options.tools.is_null()) ctx.set_global("tools", Value::from_json(options.tools));
  if (options.variables.is_object())
    for (const auto& [k, v] : options.variables.items()) ctx.set_global(k, Value::from_json(v));
  for (const auto& s : program_->body) {
    s->run(ctx);
    ctx.flow = Context::Flow::Normal;  // a stray break outside a loop ends nothing
  }
  return std::move(ctx.output());
}

ResolvedTemplate resolve_chat_template(const std::string& choice, const std::string& model_template) {
  if (!choice.empty()) {
    if (const BuiltinTemplate* b = find_builtin_template(choice)) return {b->text, "built-in '" + choice + "'"};
    if (choice.find("{{") != std::string::npos || choice.find("{%") != std::string::npos)
      return {choice, "the given template text"};
    throw UsageError("unknown chat template '" + choice + "': give one of the built-in names (" +
                     builtin_template_names() + ") or a Jinja template text");
  }
  if (model_template.empty())
    throw UsageError("the model has no chat template (no tokenizer.chat_template in its metadata): choose one with "
                     "--chat-template NAME or the chat_template option (" + builtin_template_names() + ")");
  return {model_template, "the model's tokenizer.chat_template"};
}

const std::vector<std::string>& end_of_turn_texts() {
  static const std::vector<std::string> texts = {
      "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>",   // Llama 3
      "<|im_end|>", "<|endoftext|>",                    // ChatML: Qwen, SmolLM
      "<end_of_turn>",                                  // Gemma
      "<|end|>",                                        // Phi-3
      "</s>",                                           // Mistral, Llama 2, Zephyr
      "<｜end▁of▁sentence｜>",                         // DeepSeek
  };
  return texts;
}

std::string apply_chat_template(const std::string& choice, const std::string& model_template,
                                const nlohmann::ordered_json& messages, const ChatTemplateOptions& options) {
  ResolvedTemplate r = resolve_chat_template(choice, model_template);
  try {
    return ChatTemplate::parse(r.text).render(messages, options);
  } catch (const TemplateError& e) {
    std::string hint;
    if (choice.empty()) {
      const BuiltinTemplate* family = detect_template_family(r.text);
      hint = family ? "; it looks like the '" + std::string(family->name) + "' family: try --chat-template " + family->name
                    : "; its family is not one the built-in templates know: choose one with --chat-template NAME (" +
                          builtin_template_names() + ")";
    }
    throw TemplateError("chat template (" + r.source + "): " + e.what() + hint, true);
  }
}

}  // namespace hart::chat
