// A conversation made into a model's prompt: its chat template (the one chosen by
// name or text, else the model's own tokenizer.chat_template) rendered with its BOS
// and EOS texts, tokenized with special tokens parsed, and the tokens that end an
// assistant's turn. What chat() and `hart chat` run.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/loaded_model.h"

namespace hart {

struct ChatPromptOptions {
  std::string chat_template;  // a built-in name or a template text; empty: the model's own
  bool add_generation_prompt = true;
  // More variables for the template, e.g. {"enable_thinking": false} (Qwen3);
  // llama-server's name for them.
  nlohmann::ordered_json chat_template_kwargs = nlohmann::ordered_json::object();
};

struct ChatPrompt {
  std::string text;             // the rendered template
  std::vector<int32_t> ids;     // its tokens (one BOS at most)
  std::vector<int32_t> end_ids; // end-of-turn tokens of this vocabulary
};

// `messages`: a JSON array of {"role", "content"} objects. Errors (UsageError,
// chat::TemplateError) name the model and what was wrong with the template.
ChatPrompt build_chat_prompt(const LoadedModel& model, const std::string& model_name,
                             const nlohmann::ordered_json& messages, const ChatPromptOptions& options);

// Splits a chat() options object into the template's keys ("chat_template",
// "add_generation_prompt", "chat_template_kwargs") and the rest (generate()'s options, returned).
nlohmann::json take_chat_options(nlohmann::json options, ChatPromptOptions& chat);

}  // namespace hart
