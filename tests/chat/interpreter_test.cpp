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

TEST(ChatInterpreter, ParseErrorsNameLineColumnAndConstruct) {
  EXPECT_THAT(error_of("ab\n{{ x | nosuch }}"), HasSubstr("line 2, column 8: unknown filter 'nosuch'"));
  EXPECT_THAT(error_of("x\n  {% if x %}"), HasSubstr("line 2, column 6: this block is never closed: expected {% endif %}"));
  EXPECT_THAT(error_of("{{ 1 + }}"), HasSubstr("line 1, column 8: expected an expression, found '}}'"));
  EXPECT_THAT(error_of("{{ 'abc }}"), HasSubstr("unterminated string literal"));
  EXPECT_THAT(error_of("{{ x "), HasSubstr("unclosed tag {{"));
  EXPECT_THAT(error_of("{# x"), HasSubstr("unclosed comment"));
  EXPECT_THAT(error_of("{% endfor %}"), HasSubstr("{% endfor %} without a matching opening tag"));
  EXPECT_THAT(error_of("{% include 'x' %}"), HasSubstr("{% include %} is not supported"));
  EXPECT_THAT(error_of("{% frobnicate %}"), HasSubstr("unknown tag {% frobnicate %}"));
  EXPECT_THAT(error_of("{{ x is nosuch }}"), HasSubstr("unknown test 'nosuch'"));
  EXPECT_THAT(error_of("{{ a $ b }}"), HasSubstr("unexpected character '$'"));
  EXPECT_THAT(error_of("{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}"), HasSubstr("nesting deeper than"));
}

TEST(ChatInterpreter, RuntimeErrorsNameWhere) {
  EXPECT_THAT(error_of("\n\n  {{ raise_exception('bad roles') }}"), HasSubstr("line 3, column"));
  EXPECT_THAT(error_of("{{ raise_exception('bad roles') }}"), HasSubstr("the template raised an error: bad roles"));
  EXPECT_THAT(error_of("{{ m.content }}"), HasSubstr("'m' is undefined (reading its attribute 'content')"));
  EXPECT_THAT(error_of("{% set x = 1 %}{% set x.a = 2 %}"), HasSubstr("only namespace() objects take attributes"));
  EXPECT_THAT(error_of("{{ 1 < 'a' }}"), HasSubstr("cannot order 'int' and 'str'"));
}

TEST(ChatInterpreter, RunawayTemplatesStop) {
  EXPECT_THAT(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), HasSubstr("macro calls nested deeper"));
  EXPECT_THAT(error_of("{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}"),
              HasSubstr("loop iterations"));
  EXPECT_THAT(error_of("{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"),
              HasSubstr("runaway"));
  EXPECT_THAT(error_of("{{ 'x' * 10000000000 }}"), HasSubstr("runaway"));
  EXPECT_THAT(error_of("{{ '' * 9000000000000000000 }}"), HasSubstr("runaway"));
  EXPECT_THAT(error_of("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"), HasSubstr("contain itself"));
  EXPECT_THAT(error_of("{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}"
                       "{{ ns.x | tojson }}"),
              HasSubstr("nested deeper"));
  ChatTemplateOptions options;
  options.limits.max_output_bytes = 1000;
  EXPECT_THROW(ChatTemplate::parse("{% for i in range(2000) %}x{% endfor %}").render(json::array(), options),
               TemplateError);
}

TEST(ChatInterpreter, MessagesMustBeObjectsWithRoles) {
  ChatTemplate t = ChatTemplate::parse("{{ messages | length }}");
  EXPECT_EQ(t.render(json::parse(R"([{"role": "user", "content": "x"}])"), {}), "1");
  EXPECT_THROW(t.render(json::parse(R"({"role": "user"})"), {}), UsageError);
  EXPECT_THROW(t.render(json::parse(R"([{"content": "x"}])"), {}), UsageError);
}

}  // namespace
}  // namespace hart::chat
