// The recognizer behind response_format (model/json_grammar.h): byte by byte, it takes
// exactly the texts a schema allows. Texts are fed whole; a text is taken when every
// byte is accepted and the value is complete at its end.
#include "model/json_grammar.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "util/error.h"

namespace hart::test {
namespace {

using json = nlohmann::json;

// "ok", or where and why the text was refused.
std::string run(const JsonGrammar& g, std::string_view text) {
  JsonState s = g.start();
  for (size_t i = 0; i < text.size(); ++i)
    if (!g.feed(s, static_cast<uint8_t>(text[i]))) return "refused at byte " + std::to_string(i);
  return g.can_end(s) ? "ok" : "incomplete";
}

std::shared_ptr<const JsonGrammar> schema(const char* text) { return JsonGrammar::from_schema(json::parse(text)); }

std::string schema_error(const char* text) {
  try {
    schema(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(JsonGrammarTest, AnyObjectTakesJsonObjectsAndNothingElse) {
  auto g = JsonGrammar::any_object();
  for (const char* ok : {"{}", "{\n  \"a\": 1\n}", R"({"a":[1,-2.5e+3,0,0.5,1E9,true,false,null,"x\u00e9\n\"\\"]})",
                         "{\"\xc3\xa9t\xc3\xa9\": \"\xe2\x82\xac \xf0\x9f\x98\x80\"}", R"({"a":{"b":{"c":[]}},"a":{}})"})
    EXPECT_EQ(run(*g, ok), "ok") << ok;
  for (const char* bad : {"[1]", "\"x\"", "12", "{\"a\" 1}", "{'a':1}", "{\"a\":01}", "{\"a\":1,}", "{\"a\":tru}",
                          "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}",
                          "{\"a\":\"\\u12g4\"}", "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xed\xa0\x80\"}",
                          "{\"a\":\"\xf4\x90\x80\x80\"}", "{} ", "{}}", "{\"a\":[1 2]}", "{\"a\":1", " {}"})
    EXPECT_NE(run(*g, bad), "ok") << bad;
  EXPECT_EQ(run(*g, "{\"a\":1"), "incomplete");
}

TEST(JsonGrammarTest, EveryValueNlohmannWritesIsTaken) {
  std::mt19937 rng(7);
  std::function<json(int)> random_value = [&](int depth) -> json {
    switch (rng() % (depth > 3 ? 5 : 7)) {
      case 0: return nullptr;
      case 1: return rng() % 2 == 0;
      case 2: return static_cast<int64_t>(rng()) - (1ll << 31);
      case 3: return std::ldexp(static_cast<double>(rng()), -static_cast<int>(rng() % 60));
      case 4: return std::string("s\"\\\n\t\x01 \xc3\xa9") + std::to_string(rng());
      case 5: {
        json a = json::array();
        for (unsigned i = rng() % 4; i > 0; --i) a.push_back(random_value(depth + 1));
        return a;
      }
      default: {
        json o = json::object();
        for (unsigned i = rng() % 4; i > 0; --i) o["k" + std::to_string(rng() % 9)] = random_value(depth + 1);
        return o;
      }
    }
  };
  auto g = JsonGrammar::any_object();
  for (int i = 0; i < 300; ++i) {
    json o = {{"v", random_value(0)}};
    EXPECT_EQ(run(*g, o.dump()), "ok") << o.dump();
    EXPECT_EQ(run(*g, o.dump(2)), "ok") << o.dump(2);
  }
}

TEST(JsonGrammarTest, WhitespaceNestingNumbersAndStringsAreBounded) {
  auto g = JsonGrammar::any_object();
  // Between tokens: one space, or a newline and an indent of at most kMaxIndent.
  EXPECT_EQ(run(*g, "{ }"), "ok");
  EXPECT_EQ(run(*g, "{\n" + std::string(kMaxIndent, ' ') + "\"a\": 1}"), "ok");
  EXPECT_EQ(run(*g, "{\n\t\t\"a\":\n 1 }"), "ok");
  for (const std::string& bad : std::vector<std::string>{"{  }", "{\n\n}", "{ \n}", "{\t}", "{\r\n}", "{\n" + std::string(kMaxIndent + 1, ' ') + "}"})
    EXPECT_NE(run(*g, bad), "ok") << bad;
  // Spaces inside strings are text, not padding.
  EXPECT_EQ(run(*g, "{\"a\":\"" + std::string(100, ' ') + "\"}"), "ok");
  std::string deep = "{\"a\":" + std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_EQ(run(*g, deep), "ok");
  std::string deeper = "{\"a\":" + std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']') + "}";
  EXPECT_NE(run(*g, deeper), "ok");
  const std::string i16(kMaxIntegerDigits, '7'), f20(kMaxFractionDigits, '1'), e3(kMaxExponentDigits, '2');
  EXPECT_EQ(run(*g, "{\"a\":-" + i16 + "." + f20 + "e-" + e3 + "}"), "ok");
  for (const std::string& bad : {i16 + "7", "1." + f20 + "1", "1e" + e3 + "2"})
    EXPECT_NE(run(*g, "{\"a\":" + bad + "}"), "ok") << bad;
  auto s = schema(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  EXPECT_EQ(run(*s, "\"ab\""), "ok");
  EXPECT_EQ(run(*s, "\"\u00e9\\n\xc3\xa9\""), "ok");  // characters, not bytes
  EXPECT_NE(run(*s, "\"a\""), "ok");
  EXPECT_NE(run(*s, "\"abcd\""), "ok");
}

TEST(JsonGrammarTest, ObjectsGetTheirDeclaredKeysAndTheRequiredOnes) {
  auto g = schema(R"({"type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "nick": {"type": "string"},
                   "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2}},
    "required": ["name", "age"], "additionalProperties": false})");
  for (const char* ok : {R"({"name":"x","age":3})", R"({ "age": -3, "name": "x", "tags": ["a", "b"] })",
                         R"({"nick":"n","name":"","age":0,"tags":[]})"})
    EXPECT_EQ(run(*g, ok), "ok") << ok;
  for (const char* bad : {R"({"name":"x"})", R"({"age":3.5,"name":"x"})", R"({"age":1e3,"name":"x"})",
                          R"({"nam":"x","age":1})", R"({"name":"x","age":1,"other":1})",
                          R"({"name":"x","name":"y","age":1})", R"({"name":"x","age":1,"tags":["a","b","a"]})",
                          R"({"name":"x","age":1,"tags":["c"]})", R"({"name":1,"age":1})", R"([])"})
    EXPECT_NE(run(*g, bad), "ok") << bad;
  // A key that is a prefix of another is closed by its quote.
  auto p = schema(R"({"properties": {"a": {"type": "integer"}, "ab": {"type": "boolean"}}})");
  EXPECT_EQ(run(*p, R"({"a":1,"ab":true})"), "ok");
  EXPECT_EQ(run(*p, R"({"ab":false,"a":2})"), "ok");
  EXPECT_NE(run(*p, R"({"a":true})"), "ok");
  // Keys needing escapes are matched in their escaped form.
  auto q = schema(R"({"properties": {"say \"hi\"": {"const": 1}}, "required": ["say \"hi\""]})");
  EXPECT_EQ(run(*q, R"({"say \"hi\"":1})"), "ok");
  EXPECT_NE(run(*q, R"({"say ":1})"), "ok");
}

TEST(JsonGrammarTest, TypesEnumsUnionsAndReferences) {
  EXPECT_EQ(run(*schema(R"({"type": ["string", "null"]})"), "null"), "ok");
  EXPECT_EQ(run(*schema(R"({"type": ["string", "null"]})"), "\"x\""), "ok");
  EXPECT_NE(run(*schema(R"({"type": ["string", "null"]})"), "1"), "ok");
  EXPECT_EQ(run(*schema(R"({"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "boolean"}}]})"),
                "[true,false]"),
            "ok");
  // A top-level number may always grow: it is whole, not finished.
  auto n = schema(R"({"type": "number"})");
  JsonState s = n->start();
  for (char c : std::string("-12.5"))
    ASSERT_TRUE(n->feed(s, static_cast<uint8_t>(c)));
  EXPECT_TRUE(n->can_end(s));
  EXPECT_FALSE(s.finished);
  EXPECT_EQ(run(*n, "-"), "incomplete");
  EXPECT_EQ(run(*n, "1."), "incomplete");
  // Enums of numbers where one is a prefix of another; const; booleans.
  auto e = schema(R"({"type": "array", "items": {"enum": [1, 12, "x", null]}, "minItems": 2})");
  EXPECT_EQ(run(*e, "[1,12,1,\"x\",null]"), "ok");
  EXPECT_NE(run(*e, "[1]"), "ok");
  EXPECT_NE(run(*e, "[1,13]"), "ok");
  EXPECT_EQ(run(*schema(R"({"const": {"a": [1, "b"]}})"), R"({"a":[1,"b"]})"), "ok");
  EXPECT_NE(run(*schema(R"({"const": {"a": [1, "b"]}})"), R"({"a": [1, "b"]})"), "ok");  // const is its compact text
  EXPECT_EQ(run(*schema(R"({"type": "boolean"})"), "false"), "ok");
  EXPECT_NE(run(*schema(R"({"type": "boolean"})"), "fals"), "ok");
  // A recursive $ref: a tree.
  auto tree = schema(R"({"$defs": {"node": {"type": "object", "required": ["v"], "properties": {
      "v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
      "$ref": "#/$defs/node"})");
  EXPECT_EQ(run(*tree, R"({"v":1,"kids":[{"v":2,"kids":[{"v":3}]},{"v":4}]})"), "ok");
  EXPECT_NE(run(*tree, R"({"v":1,"kids":[{"kids":[]}]})"), "ok");
  // Unenforced keywords are read and ignored; {} and true take any value.
  EXPECT_EQ(run(*schema(R"({"type": "string", "format": "date", "pattern": "^x$", "description": "d"})"), "\"long\""), "ok");
  EXPECT_EQ(run(*schema("{}"), "[1]"), "ok");
  EXPECT_EQ(run(*schema("true"), "\"x\""), "ok");
}

TEST(JsonGrammarTest, SchemasItCannotFollowAreRefusedByName) {
  EXPECT_NE(schema_error(R"({"not": {"type": "string"}})").find("\"not\" is not supported"), std::string::npos);
  EXPECT_NE(schema_error(R"({"anyOf": [{"type": "string"}, {"enum": ["a"]}]})").find("must begin differently"),
            std::string::npos);
  EXPECT_NE(schema_error(R"({"properties": {"a": {}}, "required": ["b"]})").find("\"b\", which is not among"),
            std::string::npos);
  EXPECT_NE(schema_error(R"({"type": "date"})").find("unknown type \"date\""), std::string::npos);
  EXPECT_NE(schema_error("false").find("allows no value"), std::string::npos);
  EXPECT_NE(schema_error(R"({"$ref": "#/$defs/missing"})").find("names nothing"), std::string::npos);
  EXPECT_NE(schema_error(R"({"$ref": "http://example.com/s.json"})").find("not inside this schema"), std::string::npos);
  EXPECT_NE(schema_error(R"({"type": "array", "minItems": 3, "maxItems": 2})").find("minItems is greater"),
            std::string::npos);
  EXPECT_NE(schema_error(R"({"properties": {"a": {"type": "object", "properties": {"b": {"type": 7}}}}})")
                .find("at /properties/a/properties/b"),
            std::string::npos);
  json many = json::array();
  for (int i = 0; i < 65; ++i) many.push_back(i);
  EXPECT_THROW(JsonGrammar::from_schema({{"enum", many}}), UsageError);
}

}  // namespace
}  // namespace hart::test
