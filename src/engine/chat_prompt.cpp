#include "engine/chat_prompt.h"

#include <algorithm>

#include "chat/chat_template.h"
#include "util/error.h"

namespace hart {
namespace {

std::string token_text(const Tokenizer& tok, int32_t id) { return id >= 0 ? tok.piece(id) : std::string(); }

void add_end(std::vector<int32_t>& ends, int32_t id) {
  if (id >= 0 && std::find(ends.begin(), ends.end(), id) == ends.end()) ends.push_back(id);
}

}  // namespace

ChatPrompt build_chat_prompt(const LoadedModel& model, const std::string& model_name,
                             const nlohmann::ordered_json& messages, const ChatPromptOptions& options) {
  const Tokenizer& tok = model.tokenizer();
  chat::ChatTemplateOptions render;
  render.add_generation_prompt = options.add_generation_prompt;
  render.variables = options.chat_template_kwargs;
  render.bos_token = token_text(tok, tok.special().bos);
  render.eos_token = token_text(tok, tok.special().eos);
  ChatPrompt p;
  try {
    p.text = chat::apply_chat_template(options.chat_template, model.meta_string("tokenizer.chat_template").value_or(""),
                                       messages, render);
  } catch (const std::exception& e) {
    throw UsageError("model '" + model_name + "': " + e.what());
  }
  // The template writes the BOS text where the model wants it; the tokenizer adds one
  // only when the template did not (a second BOS would change the answer).
  p.ids = tok.encode(p.text, /*add_special=*/false, /*parse_special=*/true);
  int32_t bos = tok.special().bos;
  if (tok.add_bos() && bos >= 0 && (p.ids.empty() || p.ids.front() != bos)) p.ids.insert(p.ids.begin(), bos);
  if (p.ids.empty()) throw UsageError("model '" + model_name + "': the chat prompt is empty");

  add_end(p.end_ids, tok.special().eos);
  for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"})
    if (auto id = model.meta_int(key)) add_end(p.end_ids, static_cast<int32_t>(*id));
  for (const std::string& text : chat::end_of_turn_texts()) {
    int32_t id = tok.find(text);
    if (id >= 0 && tok.is_special(id)) add_end(p.end_ids, id);
  }
  return p;
}

nlohmann::json take_chat_options(nlohmann::json options, ChatPromptOptions& chat) {
  if (options.is_null()) return nlohmann::json::object();
  if (!options.is_object()) throw UsageError("chat options must be a JSON object, not " + options.dump());
  if (auto it = options.find("chat_template"); it != options.end()) {
    if (!it->is_string()) throw UsageError("chat option chat_template must be a string (a name or a template)");
    chat.chat_template = it->get<std::string>();
    options.erase(it);
  }
  if (auto it = options.find("add_generation_prompt"); it != options.end()) {
    if (!it->is_boolean()) throw UsageError("chat option add_generation_prompt must be true or false");
    chat.add_generation_prompt = it->get<bool>();
    options.erase(it);
  }
  if (auto it = options.find("chat_template_kwargs"); it != options.end()) {
    if (!it->is_object())
      throw UsageError("chat option chat_template_kwargs must be a JSON object of the template's variables");
    chat.chat_template_kwargs = nlohmann::ordered_json::parse(it->dump());
    options.erase(it);
  }
  return options;
}

}  // namespace hart
