// The grammar behind response_format: a JSON Schema (or "any JSON object") compiled
// to a byte-at-a-time recognizer of the texts that match it, so a sampler can ban
// every token whose bytes would leave the language (json_constraint.h).
//
// Enforced: type (one or a list), properties and required (an object with properties
// gets only those keys, in any order), additionalProperties (the values of free keys
// when there are no properties), items, minItems, maxItems, minLength, maxLength (in
// characters), enum, const, anyOf/oneOf
// whose branches start with different bytes (a string or null, say), allOf of one
// schema, $ref into $defs/definitions (recursion too). Read but not enforced, so an
// answer may still break them: format, pattern, minimum/maximum and the like. Keywords that would change the shape but are not handled (not,
// if/then/else, patternProperties, prefixItems, ...) are an error naming them.
// Whitespace, as llama.cpp's JSON grammar allows it: none before the value, and
// between tokens either one space or a newline and an indent of at most
// kMaxIndent spaces or tabs, so a model cannot pad forever. A number's parts have at
// most 16 integer, 20 fraction and 3 exponent digits (every double nlohmann_json
// writes fits). Strings are valid UTF-8 with JSON's escapes, at most 65535 characters.
#pragma once
#include <bitset>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace hart {

inline constexpr int kMaxIndent = 20;
inline constexpr int kMaxJsonDepth = 64;     // nested objects and arrays
inline constexpr int kMaxIntegerDigits = 16, kMaxFractionDigits = 20, kMaxExponentDigits = 3;

struct JsonSchemaNode;

// Where a recognizer is: a stack of the values being written. Trivially copyable
// frames, so testing a token is a copy into a scratch state and a few byte steps.
struct JsonFrame {
  const JsonSchemaNode* node;
  uint8_t phase;
  uint8_t aux = 0;       // string: pending UTF-8 continuation bytes or \u digits
  uint8_t lo = 0x80, hi = 0xBF;  // string: the range of the next continuation byte
  uint16_t count = 0;    // array: items; number: digits of this part; string: characters; choice/key: bytes matched
  uint16_t property = 0; // object: the declared property whose value is being written
  uint64_t done = 0;     // object: declared properties written
  uint64_t candidates = 0;  // choice, or a declared key being written: the texts still possible
};

struct JsonState {
  std::vector<JsonFrame> stack;
  uint8_t whitespace = 0;  // this gap's whitespace: 0 none, 1 + indent after a newline, kSpaced after a space
  bool started = false;  // the top-level value has begun
  bool finished = false; // the top-level value is complete: nothing more may follow
};

class JsonGrammar {
 public:
  // Any JSON object (response_format json_object).
  static std::shared_ptr<const JsonGrammar> any_object();
  // A JSON Schema. Throws UsageError naming an unsupported or malformed keyword and
  // where it is ("schema at /properties/age: ...").
  static std::shared_ptr<const JsonGrammar> from_schema(const nlohmann::json& schema);

  JsonState start() const;
  // Takes one byte; false (and `state` unspecified) when the byte cannot come next.
  bool feed(JsonState& state, uint8_t byte) const;
  // Whether the text so far is a whole value (a top-level number may still grow).
  bool can_end(const JsonState& state) const;

  JsonGrammar();
  ~JsonGrammar();
  JsonGrammar(const JsonGrammar&) = delete;
  JsonGrammar& operator=(const JsonGrammar&) = delete;

 private:
  friend struct SchemaCompiler;
  bool start_value(JsonState& s, const JsonSchemaNode* node, uint8_t c) const;
  std::vector<std::unique_ptr<JsonSchemaNode>> nodes_;
  const JsonSchemaNode* root_ = nullptr;
  const JsonSchemaNode* any_ = nullptr;
  const JsonSchemaNode* any_object_ = nullptr;
  const JsonSchemaNode* any_array_ = nullptr;
  const JsonSchemaNode* any_literal_ = nullptr;
  const JsonSchemaNode* any_string_ = nullptr;
  const JsonSchemaNode* any_number_ = nullptr;
};

}  // namespace hart
