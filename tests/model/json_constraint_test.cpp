// response_format on a real model (stories260K, which never saw JSON): every answer the
// sampler gives inside the grammar parses and fits the schema, greedy or sampled, and
// ends as soon as its value is whole.
#include "model/json_constraint.h"

#include <nlohmann/json.hpp>

#include "model/generator.h"
#include "stories_fixture.h"

namespace hart::test {
namespace {

using json = nlohmann::json;

class JsonConstraintTest : public StoriesTest {
 protected:
  GenerationResult generate(const json& options) {
    return generate_text(*lm, model->tokenizer(), "Once upon a time", parse_generation_options(options.dump()));
  }
};

const json kPerson = json::parse(R"({"type": "object", "required": ["name", "age", "mood", "friends"],
  "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer"},
                 "mood": {"enum": ["happy", "sad", 3]}, "likes_cats": {"type": "boolean"},
                 "friends": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 8},
                             "maxItems": 2}}})");

// The schema above, checked by hand on a parsed answer.
void expect_person(const json& v) {
  ASSERT_TRUE(v.is_object()) << v.dump();
  for (const auto& [key, value] : v.items())
    EXPECT_TRUE(key == "name" || key == "age" || key == "mood" || key == "likes_cats" || key == "friends") << key;
  ASSERT_TRUE(v.at("name").is_string());
  EXPECT_LE(v["name"].get<std::string>().size(), 12u);  // ASCII here: bytes are characters
  EXPECT_TRUE(v.at("age").is_number_integer());
  EXPECT_TRUE(v.at("mood") == "happy" || v.at("mood") == "sad" || v.at("mood") == 3) << v.dump();
  if (v.contains("likes_cats")) {
    EXPECT_TRUE(v["likes_cats"].is_boolean());
  }
  ASSERT_TRUE(v.at("friends").is_array());
  EXPECT_LE(v["friends"].size(), 2u);
  for (const json& f : v["friends"]) {
    ASSERT_TRUE(f.is_string());
    EXPECT_GE(f.get<std::string>().size(), 1u);
  }
}

TEST_F(JsonConstraintTest, EveryAnswerFitsTheSchemaAndEndsWhenWhole) {
  int finished = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    json options = {{"max_tokens", 400}, {"temperature", seed == 1 ? 0.0 : 1.0}, {"seed", seed},
                    {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "person"}, {"schema", kPerson}}}}}};
    GenerationResult r = generate(options);
    SCOPED_TRACE(r.text);
    // Whatever was written is a prefix the grammar takes.
    auto g = JsonGrammar::from_schema(kPerson);
    JsonState s = g->start();
    for (char c : r.text) ASSERT_TRUE(g->feed(s, static_cast<uint8_t>(c)));
    if (r.stop_reason == "max_tokens") continue;  // a string that ran on
    EXPECT_EQ(r.stop_reason, "stop");
    EXPECT_TRUE(s.finished);
    expect_person(json::parse(r.text));
    ++finished;
  }
  EXPECT_GE(finished, 4) << "most answers should close within 400 tokens";
}

// This model writes stories into its strings and rarely closes them within a test's
// budget: what it writes is checked as a prefix the grammar takes.
TEST_F(JsonConstraintTest, JsonObjectWritesAnObjectAndTheOptionIsRecorded) {
  json options = {{"max_tokens", 60}, {"temperature", 0.8}, {"response_format", {{"type", "json_object"}}}};
  auto g = JsonGrammar::any_object();
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    options["seed"] = seed;
    GenerationResult r = generate(options);
    SCOPED_TRACE(r.text);
    ASSERT_FALSE(r.text.empty());
    EXPECT_EQ(r.text[0], '{');
    JsonState s = g->start();
    for (char c : r.text) ASSERT_TRUE(g->feed(s, static_cast<uint8_t>(c)));
    EXPECT_EQ(s.finished, r.stop_reason == "stop");
  }
  GenerationOptions parsed = parse_generation_options(options.dump());
  EXPECT_EQ(json::parse(parsed.to_json())["response_format"], options["response_format"]);
  // Without a response_format, the same model writes a story, not JSON.
  GenerationResult free = generate({{"max_tokens", 30}});
  EXPECT_FALSE(json::parse(free.text, nullptr, false).is_object()) << free.text;
}

TEST_F(JsonConstraintTest, AnEnumIsChosenFromAndTheEndTokenWaitsForAWholeNumber) {
  json options = {{"max_tokens", 20}, {"response_format", {{"type", "json_schema"},
                                                            {"json_schema", {{"schema", {{"enum", {"yes", "no"}}}}}}}}};
  GenerationResult r = generate(options);
  EXPECT_TRUE(r.text == "\"yes\"" || r.text == "\"no\"") << r.text;
  EXPECT_EQ(r.stop_reason, "stop");
  // A top-level number ends only by the end token, and only once it is whole.
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    GenerationResult n = generate({{"max_tokens", 40}, {"temperature", 1.0}, {"seed", seed},
                                   {"response_format", {{"type", "json_schema"},
                                                        {"json_schema", {{"schema", {{"type", "integer"}}}}}}}});
    SCOPED_TRACE(n.text);
    ASSERT_FALSE(n.text.empty());
    if (n.stop_reason == "eos") {
      EXPECT_TRUE(json::parse(n.text).is_number_integer());
    }
  }
}

TEST_F(JsonConstraintTest, BadResponseFormatsAreRefusedByName) {
  auto error = [](const json& rf) {
    try {
      parse_generation_options(json{{"response_format", rf}}.dump());
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error({{"type", "xml"}}).find("unknown type \"xml\""), std::string::npos);
  EXPECT_NE(error("json").find("must be an object"), std::string::npos);
  EXPECT_NE(error({{"type", "json_schema"}}).find("needs \"json_schema\""), std::string::npos);
  EXPECT_NE(error({{"type", "json_schema"}, {"json_schema", {{"schema", {{"not", json::object()}}}}}})
                .find("\"response_format\": schema at /: the keyword \"not\""),
            std::string::npos);
  EXPECT_EQ(error({{"type", "text"}}), "no error");
}

}  // namespace
}  // namespace hart::test
