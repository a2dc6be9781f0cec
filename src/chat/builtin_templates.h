// Chat templates built in by name, for a model that has none or whose own template
// cannot be used (`--chat-template NAME`, the `chat_template` option), and the
// recognition of a template text's family by its markers, as llama.cpp's
// llm_chat_detect_template does (used to suggest a name when a template fails).
#pragma once
#include <string>
#include <vector>

namespace hart::chat {

struct BuiltinTemplate {
  const char* name;
  const char* family;  // the models it is for
  const char* text;    // a Jinja template, rendered like any other
  std::vector<const char*> markers;  // all in a template text: this family
};

const std::vector<BuiltinTemplate>& builtin_templates();
// The template named `name`, or nullptr.
const BuiltinTemplate* find_builtin_template(const std::string& name);
// "chatml, llama2, ..." for messages.
std::string builtin_template_names();
// The built-in whose markers a template text has, or nullptr.
const BuiltinTemplate* detect_template_family(const std::string& text);

}  // namespace hart::chat
