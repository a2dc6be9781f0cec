// The Jinja subset: each construct the published chat templates use, with the output
// Jinja2 gives (checked with jinja2 3.1 in Hugging Face's settings: trim_blocks,
// lstrip_blocks), and the errors for bad templates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chat/chat_template.h"

namespace hart::chat {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::ordered_json;

std::string render(const std::string& text, json variables = json::object(), json messages = json::array()) {
  ChatTemplateOptions options;
  options.add_generation_prompt = false;
  options.variables = std::move(variables);
  return ChatTemplate::parse(text).render(messages, options);
}

std::string error_of(const std::string& text, json variables = json::object()) {
  try {
    render(text, std::move(variables));
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ChatInterpreter, TextAndOutput) {
  EXPECT_EQ(render("hello"), "hello");
  EXPECT_EQ(render("a{{ 1 + 2 }}b"), "a3b");
  EXPECT_EQ(render("{{ 'x' ~ 1 ~ none }}"), "x1None");
  EXPECT_EQ(render("{{ missing }}|"), "|");
  EXPECT_EQ(render("line\n"), "line");  // one trailing newline is dropped
}

TEST(ChatInterpreter, ErrorsNameLineAndColumn) {
  EXPECT_THAT(error_of("ab\n{{ x | nosuch }}"), HasSubstr("line 2, column 8: unknown filter 'nosuch'"));
  EXPECT_THAT(error_of("{% if x %}"), HasSubstr("never closed"));
}

}  // namespace
}  // namespace hart::chat
