// The published chat templates of the supported families (tests/chat/templates/, origins
// in its README), rendered for each conversation of cases.json with and without the
// generation prompt, byte for byte against what Jinja2 renders in Hugging Face's
// settings (expected/, written by make_expected.py).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>

#include "chat/chat_template.h"
#include "support/test_support.h"

namespace hart::chat {
namespace {

using json = nlohmann::ordered_json;

std::string chat_dir() { return test::source_dir() + "/tests/chat"; }

const json& cases() {
  static const json j = json::parse(test::read_file(chat_dir() + "/cases.json"));
  return j;
}

std::vector<std::string> template_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : cases()["templates"].items()) names.push_back(name);
  return names;
}

std::tm fixed_now() {
  std::tm tm{};
  std::string iso = cases()["now"];
  sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = timegm(&tm);  // fills in the weekday and the day of the year
  gmtime_r(&t, &tm);
  return tm;
}

class PublishedTemplate : public ::testing::TestWithParam<std::string> {};

TEST_P(PublishedTemplate, RendersAsJinja2Does) {
  const std::string& name = GetParam();
  ChatTemplate t = ChatTemplate::parse(test::read_file(chat_dir() + "/templates/" + name + ".jinja"));
  json expected = json::parse(test::read_file(chat_dir() + "/expected/" + name + ".json"));
  const json& tokens = cases()["templates"][name];
  size_t checked = 0;
  for (const auto& [conv_name, conv] : cases()["conversations"].items()) {
    for (bool agp : {true, false}) {
      std::string key = conv_name + "/" + (agp ? "true" : "false");
      SCOPED_TRACE(name + ": " + key);
      ChatTemplateOptions options;
      options.add_generation_prompt = agp;
      options.bos_token = tokens["bos_token"];
      options.eos_token = tokens["eos_token"];
      if (conv.contains("tools")) options.tools = conv["tools"];
      if (conv.contains("variables")) options.variables = conv["variables"];
      options.now = fixed_now();
      ASSERT_TRUE(expected.contains(key)) << "expected/" << name << ".json lacks " << key << ": run make_expected.py";
      const json& want = expected[key];
      if (want.contains("error")) {
        try {
          std::string got = t.render(conv["messages"], options);
          ADD_FAILURE() << "rendered without the error Jinja2 raised (" << want["error"] << "):\n" << got;
        } catch (const TemplateError& e) {
          EXPECT_THAT(e.what(), ::testing::HasSubstr(want["error"].get<std::string>()));
        }
      } else {
        EXPECT_EQ(t.render(conv["messages"], options), want["output"].get<std::string>());
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, expected.size()) << "expected/" << name << ".json has cases cases.json no longer lists";
}

INSTANTIATE_TEST_SUITE_P(Families, PublishedTemplate, ::testing::ValuesIn(template_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string id;
                           for (char c : info.param) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return id;
                         });

}  // namespace
}  // namespace hart::chat
