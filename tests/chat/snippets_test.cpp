// Each construct of the Jinja subset (snippets.json) against what Jinja2 renders in
// Hugging Face's settings (expected/snippets.json, written by make_expected.py); for a
// snippet Jinja2 refuses, our error must carry the same complaint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "chat/chat_template.h"
#include "support/test_support.h"

namespace hart::chat {
namespace {

using json = nlohmann::ordered_json;

const json& spec() {
  static const json j = json::parse(test::read_file(test::source_dir() + "/tests/chat/snippets.json"));
  return j;
}
const json& expected() {
  static const json j = json::parse(test::read_file(test::source_dir() + "/tests/chat/expected/snippets.json"));
  return j;
}

std::vector<std::string> snippet_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : spec()["snippets"].items()) names.push_back(name);
  return names;
}

// What our message must contain for each of Jinja2's error classes.
std::string our_words_for(const std::string& jinja_error) {
  static const std::pair<const char*, const char*> table[] = {
      {"TemplateError: ", ""},  // raise_exception: its message
      {"TemplateAssertionError: No filter named ", "unknown filter "},
      {"TemplateAssertionError: No test named ", "unknown test "},
      {"UndefinedError: ", ""},
      {"TypeError: ", ""},
      {"ZeroDivisionError: ", ""},
  };
  for (const auto& [prefix, ours] : table)
    if (jinja_error.rfind(prefix, 0) == 0) {
      std::string rest = jinja_error.substr(std::string(prefix).size());
      if (!rest.empty() && rest.back() == '.') rest.pop_back();
      return ours + rest;
    }
  return jinja_error;
}

class Snippet : public ::testing::TestWithParam<std::string> {};

TEST_P(Snippet, RendersAsJinja2Does) {
  const std::string& name = GetParam();
  ASSERT_TRUE(expected().contains(name)) << "expected/snippets.json lacks " << name << ": run make_expected.py";
  const json& want = expected()[name];
  ChatTemplateOptions options;
  options.variables = spec()["variables"];
  json messages = spec()["variables"]["msgs"];
  std::string text = spec()["snippets"][name];
  if (want.contains("error")) {
    try {
      std::string got = ChatTemplate::parse(text).render(messages, options);
      ADD_FAILURE() << "rendered without the error Jinja2 raised (" << want["error"] << "):\n" << got;
    } catch (const TemplateError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(our_words_for(want["error"])));
    }
  } else {
    EXPECT_EQ(ChatTemplate::parse(text).render(messages, options), want["output"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Jinja, Snippet, ::testing::ValuesIn(snippet_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace hart::chat
