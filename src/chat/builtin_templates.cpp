// Each template is the plain form of its family's prompt format (the facts llama.cpp's
// llm_chat_apply_template encodes), written as Jinja so it is rendered by the same
// interpreter as a model's own template: one code path for both.
#include "chat/builtin_templates.h"

namespace hart::chat {

const std::vector<BuiltinTemplate>& builtin_templates() {
  static const std::vector<BuiltinTemplate> table = {
      {"chatml", "ChatML: Qwen2.5, Qwen3, SmolLM2/3, Hermes, many fine-tunes",
       "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor %}"
       "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
       {"<|im_start|>"}},
      {"llama3", "Llama 3.x Instruct",
       "{{- bos_token }}{%- for m in messages %}"
       "{{- '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content | trim + '<|eot_id|>' }}"
       "{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
       {"<|start_header_id|>", "<|end_header_id|>"}},
      {"mistral-v7-tekken", "Mistral Small 3.x ([SYSTEM_PROMPT], no spaces)",
       "{{- bos_token }}{%- for m in messages %}"
       "{%- if m.role == 'system' %}{{- '[SYSTEM_PROMPT]' + m.content + '[/SYSTEM_PROMPT]' }}"
       "{%- elif m.role == 'user' %}{{- '[INST]' + m.content + '[/INST]' }}"
       "{%- else %}{{- m.content + eos_token }}{%- endif %}{%- endfor %}",
       {"[SYSTEM_PROMPT]", "'[SYSTEM_PROMPT]' + "}},
      {"mistral-v7", "Mistral Large 2411 ([SYSTEM_PROMPT] with spaces)",
       "{{- bos_token }}{%- for m in messages %}"
       "{%- if m.role == 'system' %}{{- '[SYSTEM_PROMPT] ' + m.content + '[/SYSTEM_PROMPT]' }}"
       "{%- elif m.role == 'user' %}{{- '[INST] ' + m.content + '[/INST]' }}"
       "{%- else %}{{- ' ' + m.content + eos_token }}{%- endif %}{%- endfor %}",
       {"[SYSTEM_PROMPT]"}},
      {"mistral-v3-tekken", "Mistral Nemo ([INST] without spaces; the system text before the last user turn)",
       "{%- set ns = namespace(system='') %}{%- for m in messages if m.role == 'system' %}"
       "{%- set ns.system = m.content %}{%- endfor %}"
       "{%- set turns = messages | rejectattr('role', 'equalto', 'system') | list %}"
       "{{- bos_token }}{%- for m in turns %}{%- if m.role == 'user' %}"
       "{%- if loop.last and ns.system %}{{- '[INST]' + ns.system + '\\n\\n' + m.content + '[/INST]' }}"
       "{%- else %}{{- '[INST]' + m.content + '[/INST]' }}{%- endif %}"
       "{%- else %}{{- m.content + eos_token }}{%- endif %}{%- endfor %}",
       {"[INST]", "\"[INST]\""}},
      {"mistral-v1", "Mistral 7B Instruct v0.1-v0.3 ( [INST] with spaces)",
       "{%- set ns = namespace(system='') %}{%- for m in messages if m.role == 'system' %}"
       "{%- set ns.system = m.content %}{%- endfor %}"
       "{%- set turns = messages | rejectattr('role', 'equalto', 'system') | list %}"
       "{{- bos_token }}{%- for m in turns %}{%- if m.role == 'user' %}"
       "{%- if loop.first and ns.system %}{{- ' [INST] ' + ns.system + '\\n\\n' + m.content + ' [/INST]' }}"
       "{%- else %}{{- ' [INST] ' + m.content + ' [/INST]' }}{%- endif %}"
       "{%- else %}{{- ' ' + m.content + eos_token }}{%- endif %}{%- endfor %}",
       {" [INST]"}},
      {"llama2", "Llama 2 chat ([INST] with <<SYS>>)",
       "{%- set ns = namespace(system='') %}{%- for m in messages if m.role == 'system' %}"
       "{%- set ns.system = m.content %}{%- endfor %}"
       "{%- set turns = messages | rejectattr('role', 'equalto', 'system') | list %}"
       "{%- for m in turns %}{%- if m.role == 'user' %}"
       "{%- if loop.first and ns.system %}{{- bos_token + '[INST] <<SYS>>\\n' + ns.system + '\\n<</SYS>>\\n\\n' + m.content | trim + ' [/INST]' }}"
       "{%- else %}{{- bos_token + '[INST] ' + m.content | trim + ' [/INST]' }}{%- endif %}"
       "{%- else %}{{- ' ' + m.content | trim + ' ' + eos_token }}{%- endif %}{%- endfor %}",
       {"[INST]"}},
      {"phi3", "Phi-3, Phi-3.5",
       "{%- for m in messages %}{{- '<|' + m.role + '|>\\n' + m.content + '<|end|>\\n' }}{%- endfor %}"
       "{%- if add_generation_prompt %}{{- '<|assistant|>\\n' }}{%- else %}{{- eos_token }}{%- endif %}",
       {"<|assistant|>", "<|end|>"}},
      {"zephyr", "Zephyr, TinyLlama chat",
       "{%- for m in messages %}{{- '<|' + m.role + '|>\\n' + m.content + eos_token + '\\n' }}{%- endfor %}"
       "{%- if add_generation_prompt %}{{- '<|assistant|>\\n' }}{%- endif %}",
       {"<|user|>", "<|assistant|>"}},
      {"gemma", "Gemma, Gemma 2, Gemma 3 (a system message joins the first user turn)",
       "{{- bos_token }}{%- set ns = namespace(system='') %}{%- for m in messages %}"
       "{%- if m.role == 'system' %}{%- set ns.system = ns.system + m.content | trim %}"
       "{%- else %}{%- set role = 'model' if m.role == 'assistant' else m.role %}"
       "{{- '<start_of_turn>' + role + '\\n' }}"
       "{%- if ns.system and role != 'model' %}{{- ns.system + '\\n\\n' }}{%- set ns.system = '' %}{%- endif %}"
       "{{- m.content | trim + '<end_of_turn>\\n' }}{%- endif %}{%- endfor %}"
       "{%- if add_generation_prompt %}{{- '<start_of_turn>model\\n' }}{%- endif %}",
       {"<start_of_turn>"}},
      {"deepseek3", "DeepSeek R1 and its Qwen/Llama distills, DeepSeek V3",
       "{{- bos_token }}{%- for m in messages if m.role == 'system' %}{{- m.content }}{%- endfor %}"
       "{%- for m in messages %}{%- if m.role == 'user' %}{{- '<｜User｜>' + m.content }}"
       "{%- elif m.role == 'assistant' %}{%- set c = m.content %}{%- if '</think>' in c %}{%- set c = c.split('</think>')[-1] %}{%- endif %}"
       "{{- '<｜Assistant｜>' + c + '<｜end▁of▁sentence｜>' }}{%- endif %}{%- endfor %}"
       "{%- if add_generation_prompt %}{{- '<｜Assistant｜>' }}{%- endif %}",
       {"<｜Assistant｜>", "<｜User｜>"}},
  };
  return table;
}

const BuiltinTemplate* find_builtin_template(const std::string& name) {
  for (const auto& t : builtin_templates())
    if (name == t.name) return &t;
  return nullptr;
}

std::string builtin_template_names() {
  std::string out;
  for (const auto& t : builtin_templates()) out += (out.empty() ? "" : ", ") + std::string(t.name);
  return out;
}

const BuiltinTemplate* detect_template_family(const std::string& text) {
  for (const auto& t : builtin_templates()) {
    bool all = true;
    for (const char* m : t.markers) all = all && text.find(m) != std::string::npos;
    if (all) return &t;
  }
  return nullptr;
}

}  // namespace hart::chat
