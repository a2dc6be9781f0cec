// The built-in templates by name: each renders as the published template of its family
// does (for the conversations that template accepts and the built-in covers), the
// recognition of a family by its markers, and the errors for an unknown name or a
// model without a template.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chat/builtin_templates.h"
#include "chat/chat_template.h"
#include "support/test_support.h"

namespace hart::chat {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::ordered_json;

std::string chat_dir() { return test::source_dir() + "/tests/chat"; }
json load(const std::string& rel) { return json::parse(test::read_file(chat_dir() + "/" + rel)); }

struct Twin {
  const char* builtin;
  const char* published;
  std::vector<const char*> conversations;  // where both say the same
};

TEST(ChatBuiltins, RenderAsTheirFamilysPublishedTemplate) {
  const Twin twins[] = {
      {"chatml", "teknium-OpenHermes-2.5-Mistral-7B", {"user", "system_user", "multi_turn", "ends_with_assistant", "thinking"}},
      {"mistral-v3-tekken", "mistralai-Mistral-Nemo-Instruct-2407", {"user", "system_user", "multi_turn", "ends_with_assistant"}},
      {"mistral-v7-tekken", "mistralai-Mistral-Small-3.2-24B-Instruct-2506", {"system_user", "multi_turn"}},
      {"phi3", "microsoft-Phi-3.5-mini-instruct", {"user", "system_user", "multi_turn", "ends_with_assistant", "thinking"}},
      {"zephyr", "TinyLlama-TinyLlama-1.1B-Chat-v1.0", {"user", "system_user", "multi_turn", "ends_with_assistant", "thinking"}},
      {"gemma", "google-gemma-3-1b-it", {"user", "system_user", "multi_turn", "ends_with_assistant", "thinking"}},
  };
  json cases = load("cases.json");
  for (const Twin& twin : twins) {
    json expected = load("expected/" + std::string(twin.published) + ".json");
    const json& tokens = cases["templates"][twin.published];
    for (const char* conv : twin.conversations) {
      for (bool agp : {true, false}) {
        std::string key = std::string(conv) + "/" + (agp ? "true" : "false");
        SCOPED_TRACE(std::string(twin.builtin) + " as " + twin.published + ": " + key);
        ChatTemplateOptions options;
        options.add_generation_prompt = agp;
        options.bos_token = tokens["bos_token"];
        options.eos_token = tokens["eos_token"];
        // Mistral's templates end each turn with the end of an assistant turn; they
        // render no generation prompt either way.
        EXPECT_EQ(apply_chat_template(twin.builtin, "", cases["conversations"][conv]["messages"], options),
                  expected[key]["output"].get<std::string>());
      }
    }
  }
}

TEST(ChatBuiltins, EachRendersEveryConversation) {
  json cases = load("cases.json");
  for (const auto& t : builtin_templates()) {
    for (const auto& [name, conv] : cases["conversations"].items()) {
      SCOPED_TRACE(std::string(t.name) + ": " + name);
      ChatTemplateOptions options;
      options.bos_token = "<s>";
      options.eos_token = "</s>";
      std::string out = apply_chat_template(t.name, "", conv["messages"], options);
      std::string last = conv["messages"].back()["content"];
      EXPECT_THAT(out, HasSubstr(last.substr(last.find_first_not_of(' '), last.find_last_not_of(' ') + 1 - last.find_first_not_of(' '))));
    }
  }
}

TEST(ChatBuiltins, LlamaCppFacts) {
  // The prompt formats llama.cpp's llm_chat_apply_template writes for these names.
  json messages = json::parse(R"([{"role": "system", "content": "S"}, {"role": "user", "content": " U "},
                                  {"role": "assistant", "content": "A"}, {"role": "user", "content": "V"}])");
  ChatTemplateOptions options;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  auto render = [&](const char* name) { return apply_chat_template(name, "", messages, options); };
  EXPECT_EQ(render("llama3"),
            "<s><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nU"
            "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nA<|eot_id|><|start_header_id|>user"
            "<|end_header_id|>\n\nV<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(render("mistral-v7"), "<s>[SYSTEM_PROMPT] S[/SYSTEM_PROMPT][INST]  U [/INST] A</s>[INST] V[/INST]");
  EXPECT_EQ(render("llama2"), "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU [/INST] A </s><s>[INST] V [/INST]");
  EXPECT_EQ(render("mistral-v1"), "<s> [INST] S\n\n U  [/INST] A</s> [INST] V [/INST]");
  EXPECT_EQ(render("deepseek3"), "<s>S<｜User｜> U <｜Assistant｜>A<｜end▁of▁sentence｜><｜User｜>V<｜Assistant｜>");
}

TEST(ChatBuiltins, RecognizesThePublishedTemplatesFamilies) {
  const std::pair<const char*, const char*> families[] = {
      {"teknium-OpenHermes-2.5-Mistral-7B", "chatml"},
      {"Qwen-Qwen2.5-7B-Instruct", "chatml"},
      {"HuggingFaceTB-SmolLM3-3B", "chatml"},
      {"meta-llama-Llama-3.1-8B-Instruct", "llama3"},
      {"mistralai-Mistral-Nemo-Instruct-2407", "mistral-v3-tekken"},
      {"mistralai-Mistral-Small-3.2-24B-Instruct-2506", "mistral-v7-tekken"},
      {"microsoft-Phi-3.5-mini-instruct", "phi3"},
      {"TinyLlama-TinyLlama-1.1B-Chat-v1.0", "zephyr"},
      {"google-gemma-2-2b-it", "gemma"},
      {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B", "deepseek3"},
  };
  for (const auto& [file, family] : families) {
    const BuiltinTemplate* t = detect_template_family(test::read_file(chat_dir() + "/templates/" + file + ".jinja"));
    ASSERT_NE(t, nullptr) << file;
    EXPECT_STREQ(t->name, family) << file;
  }
  EXPECT_EQ(detect_template_family("{{ messages }}"), nullptr);
}

TEST(ChatBuiltins, Errors) {
  json messages = json::parse(R"([{"role": "user", "content": "hi"}])");
  ChatTemplateOptions options;
  try {
    apply_chat_template("nosuch", "", messages, options);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown chat template 'nosuch'"));
    EXPECT_THAT(e.what(), HasSubstr("chatml, llama3"));
  }
  try {
    apply_chat_template("", "", messages, options);
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no chat template"));
    EXPECT_THAT(e.what(), HasSubstr("--chat-template NAME"));
  }
  // A model's template that fails names where it came from and the family to try.
  try {
    apply_chat_template("", "<|im_start|>{{ messages | nosuch }}", messages, options);
    ADD_FAILURE() << "no error";
  } catch (const TemplateError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the model's tokenizer.chat_template"));
    EXPECT_THAT(e.what(), HasSubstr("unknown filter 'nosuch'"));
    EXPECT_THAT(e.what(), HasSubstr("--chat-template chatml"));
  }
  // A template text given instead of a name is used as it is.
  EXPECT_EQ(apply_chat_template("{{ messages[0].content }}!", "ignored", messages, options), "hi!");
  // The choice wins over the model's own template.
  EXPECT_EQ(apply_chat_template("chatml", "{{ 'model' }}", messages, options),
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
}

}  // namespace
}  // namespace hart::chat
