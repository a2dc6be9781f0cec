#include "model/json_grammar.h"

#include <climits>
#include <map>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace hart {

struct JsonSchemaNode {
  enum class Kind : uint8_t { kAny, kObject, kArray, kString, kNumber, kInteger, kChoice, kUnion };
  Kind kind = Kind::kAny;
  // kObject: declared keys (as JSON-escaped text, without quotes) and their values'
  // schemas; with none declared, free keys whose values follow `additional` (none
  // allowed when null).
  std::vector<std::string> names;
  std::vector<const JsonSchemaNode*> values;
  uint64_t required = 0;
  const JsonSchemaNode* additional = nullptr;
  // kString, in characters
  int min_length = 0, max_length = UINT16_MAX;
  // kArray
  const JsonSchemaNode* items = nullptr;
  int min_items = 0, max_items = UINT16_MAX;
  // kChoice: the values allowed, as compact JSON text.
  std::vector<std::string> texts;
  // kUnion: the branch to follow is the one whose first bytes hold the first byte.
  std::vector<const JsonSchemaNode*> branches;
  std::bitset<256> first;  // the bytes a value may start with
};

namespace {

using json = nlohmann::json;
using Kind = JsonSchemaNode::Kind;

enum Phase : uint8_t {
  kObjOpen, kObjKey, kObjColon, kObjValue, kObjAfterValue, kObjAfterComma,
  kArrOpen, kArrItem, kArrAfterValue, kArrAfterComma,
  kStrBody, kStrEscape, kStrHex, kStrUtf8,
  kNumSign, kNumZero, kNumInt, kNumDot, kNumFrac, kNumExp, kNumExpSign, kNumExpDigits,
  kChoice,
};

constexpr int kMaxDeclared = 64;  // declared keys and enum values live in 64-bit masks

bool is_ws(uint8_t c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
bool is_hex(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
uint64_t all_of(size_t n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

bool number_can_end(uint8_t phase) {
  return phase == kNumZero || phase == kNumInt || phase == kNumFrac || phase == kNumExpDigits;
}

bool choice_can_end(const JsonFrame& f) {
  for (size_t i = 0; i < f.node->texts.size(); ++i)
    if ((f.candidates >> i & 1) && f.node->texts[i].size() == f.count) return true;
  return false;
}

constexpr uint8_t kSpaced = 255;

// A whitespace byte between tokens: one space, or a newline and an indent.
bool take_ws(JsonState& s, uint8_t c) {
  if (s.whitespace == 0) {
    if (c != ' ' && c != '\n') return false;
    s.whitespace = c == ' ' ? kSpaced : 1;
    return true;
  }
  if (s.whitespace == kSpaced || (c != ' ' && c != '\t') || s.whitespace > kMaxIndent) return false;
  ++s.whitespace;
  return true;
}

// The value on top is complete: pop it and move its parent past it.
void complete(JsonState& s) {
  s.stack.pop_back();
  if (s.stack.empty()) {
    s.finished = true;
    return;
  }
  JsonFrame& p = s.stack.back();
  if (p.phase == kObjKey) p.phase = kObjColon;  // a free key's string
  else if (p.phase == kObjValue) p.phase = kObjAfterValue;
  else if (p.phase == kArrItem) {
    ++p.count;
    p.phase = kArrAfterValue;
  }
}

bool push(JsonState& s, const JsonSchemaNode* node, uint8_t phase) {
  if (s.stack.size() >= kMaxJsonDepth) return false;
  s.stack.push_back(JsonFrame{node, phase});
  return true;
}

}  // namespace

// Reads a schema into nodes; `path` (a JSON pointer) names where an error is.
struct SchemaCompiler {
  JsonGrammar& g;
  const json& root;
  std::map<std::string, JsonSchemaNode*> refs;

  [[noreturn]] static void fail(const std::string& path, const std::string& what) {
    throw UsageError("schema at " + (path.empty() ? std::string("/") : path) + ": " + what);
  }

  JsonSchemaNode* make(Kind kind) {
    g.nodes_.push_back(std::make_unique<JsonSchemaNode>());
    g.nodes_.back()->kind = kind;
    return g.nodes_.back().get();
  }

  const JsonSchemaNode* compile(const json& s, const std::string& path) {
    if (s.is_object() && s.contains("$ref")) return resolve(s["$ref"], path);
    JsonSchemaNode* n = make(Kind::kAny);
    fill(s, n, path);
    return n;
  }

  // "#/$defs/Name" or "#/definitions/Name" (or "#", the whole schema).
  const JsonSchemaNode* resolve(const json& ref, const std::string& path) {
    if (!ref.is_string()) fail(path, "$ref must be a string");
    const std::string r = ref.get<std::string>();
    if (auto it = refs.find(r); it != refs.end()) return it->second;
    if (r.empty() || r[0] != '#') fail(path, "$ref \"" + r + "\" is not inside this schema (only \"#/...\" references are)");
    const json* target = &root;
    try {
      target = &root.at(json::json_pointer(r.substr(1)));
    } catch (const json::exception&) {
      fail(path, "$ref \"" + r + "\" names nothing in this schema");
    }
    JsonSchemaNode* n = make(Kind::kAny);
    refs[r] = n;
    if (target->is_object() && target->contains("$ref")) {  // an alias: a union of one
      n->kind = Kind::kUnion;
      n->branches.push_back(resolve((*target)["$ref"], r.substr(1)));
    } else {
      fill(*target, n, r.substr(1));
    }
    return n;
  }

  void fill(const json& s, JsonSchemaNode* n, const std::string& path) {
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail(path, "the schema false allows no value");
      return;  // true: any value
    }
    if (!s.is_object()) fail(path, "a schema must be an object or a boolean, got " + s.dump());
    for (const char* k : {"not", "if", "then", "else", "patternProperties", "prefixItems", "contains", "propertyNames",
                          "dependentSchemas", "unevaluatedProperties", "unevaluatedItems"})
      if (s.contains(k))
        fail(path, std::string("the keyword \"") + k +
                       "\" is not supported (supported: type, properties, required, additionalProperties, items, "
                       "minItems, maxItems, minLength, maxLength, enum, const, anyOf, oneOf, allOf of one schema, $ref, $defs)");
    if (s.contains("const")) return choice(n, json::array({s["const"]}), path);
    if (s.contains("enum")) return choice(n, s["enum"], path);
    for (const char* k : {"anyOf", "oneOf"})
      if (s.contains(k)) {
        const json& branches = s[k];
        if (!branches.is_array() || branches.empty()) fail(path, std::string(k) + " must be a non-empty array");
        n->kind = Kind::kUnion;
        for (size_t i = 0; i < branches.size(); ++i)
          n->branches.push_back(compile(branches[i], path + "/" + k + "/" + std::to_string(i)));
        return;
      }
    if (s.contains("allOf")) {
      const json& all = s["allOf"];
      if (!all.is_array() || all.size() != 1)
        fail(path, "allOf is supported with exactly one schema (merge the others into it)");
      n->kind = Kind::kUnion;
      n->branches.push_back(compile(all[0], path + "/allOf/0"));
      return;
    }
    std::vector<std::string> types;
    if (auto t = s.find("type"); t != s.end()) {
      if (t->is_string()) types.push_back(t->get<std::string>());
      else if (t->is_array() && !t->empty())
        for (const json& one : *t) {
          if (!one.is_string()) fail(path, "type must be a string or an array of strings, got " + t->dump());
          types.push_back(one.get<std::string>());
        }
      else fail(path, "type must be a string or an array of strings, got " + t->dump());
    } else if (s.contains("properties") || s.contains("required") || s.contains("additionalProperties")) {
      types.push_back("object");
    } else if (s.contains("items") || s.contains("minItems") || s.contains("maxItems")) {
      types.push_back("array");
    } else {
      return;  // any value
    }
    if (types.size() == 1) return typed(s, n, types[0], path);
    n->kind = Kind::kUnion;
    for (const std::string& t : types) {
      JsonSchemaNode* b = make(Kind::kAny);
      typed(s, b, t, path);
      n->branches.push_back(b);
    }
  }

  void typed(const json& s, JsonSchemaNode* n, const std::string& type, const std::string& path) {
    if (type == "object") object(s, n, path);
    else if (type == "array") array(s, n, path);
    else if (type == "string") string(s, n, path);
    else if (type == "number") n->kind = Kind::kNumber;
    else if (type == "integer") n->kind = Kind::kInteger;
    else if (type == "boolean") choice(n, json::array({true, false}), path);
    else if (type == "null") choice(n, json::array({nullptr}), path);
    else fail(path, "unknown type \"" + type + "\" (known: object, array, string, number, integer, boolean, null)");
  }

  void choice(JsonSchemaNode* n, const json& values, const std::string& path) {
    if (!values.is_array() || values.empty()) fail(path, "enum must be a non-empty array");
    if (values.size() > kMaxDeclared)
      fail(path, "enum has " + std::to_string(values.size()) + " values; at most " + std::to_string(kMaxDeclared) +
                     " are supported");
    n->kind = Kind::kChoice;
    for (const json& v : values) n->texts.push_back(v.dump());
  }

  void object(const json& s, JsonSchemaNode* n, const std::string& path) {
    n->kind = Kind::kObject;
    if (auto p = s.find("properties"); p != s.end()) {
      if (!p->is_object()) fail(path, "properties must be an object");
      if (p->size() > kMaxDeclared)
        fail(path, "an object with " + std::to_string(p->size()) + " properties; at most " +
                       std::to_string(kMaxDeclared) + " are supported");
      for (const auto& [name, sub] : p->items()) {
        const std::string quoted = json(name).dump();
        n->names.push_back(quoted.substr(1, quoted.size() - 2));
        n->values.push_back(compile(sub, path + "/properties/" + name));
      }
    }
    if (auto r = s.find("required"); r != s.end()) {
      if (!r->is_array()) fail(path, "required must be an array of property names");
      for (const json& name : *r) {
        if (!name.is_string()) fail(path, "required must be an array of property names, got " + r->dump());
        const std::string quoted = name.dump();
        size_t i = 0;
        while (i < n->names.size() && n->names[i] != quoted.substr(1, quoted.size() - 2)) ++i;
        if (i == n->names.size())
          fail(path, "required names " + quoted + ", which is not among its properties (declare it there)");
        n->required |= 1ull << i;
      }
    }
    if (n->names.empty()) {
      auto a = s.find("additionalProperties");
      if (a == s.end() || (a->is_boolean() && a->get<bool>())) n->additional = g.any_;
      else if (a->is_object()) n->additional = compile(*a, path + "/additionalProperties");
      else if (!a->is_boolean()) fail(path, "additionalProperties must be a schema or a boolean");
    }
  }

  // A count such as minItems: 0 to 65535, `fallback` when absent.
  static int bound(const json& s, const char* key, int fallback, const std::string& path) {
    auto it = s.find(key);
    if (it == s.end()) return fallback;
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > UINT16_MAX)
      fail(path, std::string(key) + " must be an integer from 0 to 65535, got " + it->dump());
    return it->get<int>();
  }

  void array(const json& s, JsonSchemaNode* n, const std::string& path) {
    n->kind = Kind::kArray;
    n->items = g.any_;
    if (auto it = s.find("items"); it != s.end()) n->items = compile(*it, path + "/items");
    n->min_items = bound(s, "minItems", 0, path);
    n->max_items = bound(s, "maxItems", UINT16_MAX, path);
    if (n->min_items > n->max_items) fail(path, "minItems is greater than maxItems");
  }

  void string(const json& s, JsonSchemaNode* n, const std::string& path) {
    n->kind = Kind::kString;
    n->min_length = bound(s, "minLength", 0, path);
    n->max_length = bound(s, "maxLength", UINT16_MAX, path);
    if (n->min_length > n->max_length) fail(path, "minLength is greater than maxLength");
  }

  // The nodes every grammar has (any value, and the shapes an any-value may take),
  // then the schema's, then each node's first bytes.
  static std::shared_ptr<JsonGrammar> build(const json* schema);
};

namespace {

// The bytes a node's values may begin with; unions check that their branches' sets
// do not meet, so the first byte alone picks the branch.
void first_bytes(JsonSchemaNode* n, std::map<const JsonSchemaNode*, int>& state) {
  if (state[n] != 0) return;  // done, or in progress (a recursive $ref adds nothing new)
  state[n] = 1;
  std::bitset<256>& f = n->first;
  auto add = [&](const char* bytes) {
    for (const char* p = bytes; *p; ++p) f.set(static_cast<uint8_t>(*p));
  };
  switch (n->kind) {
    case Kind::kAny: add("{[\"-0123456789tfn"); break;
    case Kind::kObject: add("{"); break;
    case Kind::kArray: add("["); break;
    case Kind::kString: add("\""); break;
    case Kind::kNumber:
    case Kind::kInteger: add("-0123456789"); break;
    case Kind::kChoice:
      for (const std::string& t : n->texts) f.set(static_cast<uint8_t>(t[0]));
      break;
    case Kind::kUnion:
      for (const JsonSchemaNode* b : n->branches) {
        auto* branch = const_cast<JsonSchemaNode*>(b);
        first_bytes(branch, state);
        if ((f & branch->first).any())
          throw UsageError("schema: the branches of an anyOf/oneOf (or a list of types) must begin "
                           "differently, as a string and null do; two here may both begin with the same byte, so the "
                           "answer's first byte could not choose between them");
        f |= branch->first;
      }
      break;
  }
  state[n] = 2;
}

}  // namespace

JsonGrammar::JsonGrammar() = default;
JsonGrammar::~JsonGrammar() = default;

std::shared_ptr<JsonGrammar> SchemaCompiler::build(const json* schema) {
  auto g = std::make_shared<JsonGrammar>();
  const json empty = json::object();
  SchemaCompiler c{*g, schema ? *schema : empty, {}};
  g->any_ = c.make(Kind::kAny);
  JsonSchemaNode* object = c.make(Kind::kObject);
  object->additional = g->any_;
  g->any_object_ = object;
  JsonSchemaNode* array = c.make(Kind::kArray);
  array->items = g->any_;
  g->any_array_ = array;
  JsonSchemaNode* literal = c.make(Kind::kChoice);
  literal->texts = {"true", "false", "null"};
  g->any_literal_ = literal;
  g->any_string_ = c.make(Kind::kString);
  g->any_number_ = c.make(Kind::kNumber);
  g->root_ = schema ? c.compile(*schema, "") : g->any_object_;
  std::map<const JsonSchemaNode*, int> state;
  for (auto& n : g->nodes_) first_bytes(n.get(), state);
  return g;
}

std::shared_ptr<const JsonGrammar> JsonGrammar::any_object() { return SchemaCompiler::build(nullptr); }

std::shared_ptr<const JsonGrammar> JsonGrammar::from_schema(const nlohmann::json& schema) {
  return SchemaCompiler::build(&schema);
}
JsonState JsonGrammar::start() const { return JsonState{}; }

bool JsonGrammar::start_value(JsonState& s, const JsonSchemaNode* n, uint8_t c) const {
  switch (n->kind) {
    case Kind::kAny:
      if (c == '{') return push(s, any_object_, kObjOpen);
      if (c == '[') return push(s, any_array_, kArrOpen);
      if (c == '"') return push(s, any_string_, kStrBody);
      if (c == '-' || is_digit(c)) return start_value(s, any_number_, c);
      return start_value(s, any_literal_, c);
    case Kind::kUnion:
      for (const JsonSchemaNode* b : n->branches)
        if (b->first.test(c)) return start_value(s, b, c);
      return false;
    case Kind::kObject: return c == '{' && push(s, n, kObjOpen);
    case Kind::kArray: return c == '[' && push(s, n, kArrOpen);
    case Kind::kString: return c == '"' && push(s, n, kStrBody);
    case Kind::kNumber:
    case Kind::kInteger:
      if (c == '-') return push(s, n, kNumSign);
      if (!is_digit(c) || !push(s, n, c == '0' ? kNumZero : kNumInt)) return false;
      s.stack.back().count = 1;
      return true;
    case Kind::kChoice: {
      uint64_t m = 0;
      for (size_t i = 0; i < n->texts.size(); ++i)
        if (static_cast<uint8_t>(n->texts[i][0]) == c) m |= 1ull << i;
      if (m == 0 || !push(s, n, kChoice)) return false;
      JsonFrame& f = s.stack.back();
      f.candidates = m;
      f.count = 1;
      bool longer = false;
      for (size_t i = 0; i < n->texts.size(); ++i) longer |= (m >> i & 1) && n->texts[i].size() > 1;
      if (!longer) complete(s);
      return true;
    }
  }
  return false;
}

bool JsonGrammar::feed(JsonState& s, uint8_t c) const {
  if (s.finished) return false;
  if (!is_ws(c)) s.whitespace = 0;
  for (;;) {
    if (s.stack.empty()) {
      if (s.started || is_ws(c)) return false;
      s.started = true;
      return start_value(s, root_, c);
    }
    JsonFrame& f = s.stack.back();
    const JsonSchemaNode* n = f.node;
    switch (f.phase) {
      case kObjOpen:
      case kObjAfterComma: {
        if (is_ws(c)) return take_ws(s, c);
        if (c == '}' && f.phase == kObjOpen && n->required == 0) {
          complete(s);
          return true;
        }
        if (c != '"') return false;
        f.phase = kObjKey;
        f.count = 0;
        if (n->names.empty()) return n->additional && push(s, any_string_, kStrBody);
        f.candidates = all_of(n->names.size()) & ~f.done;
        return f.candidates != 0;
      }
      case kObjKey: {  // a declared key (a free key is a string frame above this one)
        uint64_t next = 0;
        for (size_t i = 0; i < n->names.size(); ++i)
          if ((f.candidates >> i & 1) && f.count < n->names[i].size() && static_cast<uint8_t>(n->names[i][f.count]) == c)
            next |= 1ull << i;
        if (next) {
          f.candidates = next;
          ++f.count;
          return true;
        }
        if (c != '"') return false;
        for (size_t i = 0; i < n->names.size(); ++i)
          if ((f.candidates >> i & 1) && n->names[i].size() == f.count) {
            f.property = static_cast<uint16_t>(i);
            f.done |= 1ull << i;
            f.phase = kObjColon;
            return true;
          }
        return false;
      }
      case kObjColon:
        if (is_ws(c)) return take_ws(s, c);
        if (c != ':') return false;
        f.phase = kObjValue;
        return true;
      case kObjValue:
        if (is_ws(c)) return take_ws(s, c);
        return start_value(s, n->names.empty() ? n->additional : n->values[f.property], c);
      case kObjAfterValue:
        if (is_ws(c)) return take_ws(s, c);
        if (c == ',') {
          f.phase = kObjAfterComma;
          return n->names.empty() ? n->additional != nullptr : (all_of(n->names.size()) & ~f.done) != 0;
        }
        if (c == '}' && (f.done & n->required) == n->required) {
          complete(s);
          return true;
        }
        return false;
      case kArrOpen:
      case kArrAfterComma:
        if (is_ws(c)) return take_ws(s, c);
        if (c == ']' && f.phase == kArrOpen && n->min_items == 0) {
          complete(s);
          return true;
        }
        if (f.count >= n->max_items) return false;
        f.phase = kArrItem;
        return start_value(s, n->items, c);
      case kArrAfterValue:
        if (is_ws(c)) return take_ws(s, c);
        if (c == ',') {
          f.phase = kArrAfterComma;
          return f.count < n->max_items;
        }
        if (c == ']' && f.count >= n->min_items) {
          complete(s);
          return true;
        }
        return false;
      case kStrBody:
        if (c == '"') {
          if (f.count < n->min_length) return false;
          complete(s);
          return true;
        }
        if (f.count >= n->max_length) return false;
        ++f.count;  // a character begins: this byte, an escape or a UTF-8 lead
        if (c == '\\') {
          f.phase = kStrEscape;
          return true;
        }
        if (c < 0x20) return false;  // control characters must be escaped
        if (c < 0x80) return true;
        // A UTF-8 lead byte: how many continuation bytes follow and the range of the
        // first (no overlong forms, no surrogates, nothing past U+10FFFF).
        f.lo = 0x80, f.hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) f.aux = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
          f.aux = 2;
          if (c == 0xE0) f.lo = 0xA0;
          if (c == 0xED) f.hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
          f.aux = 3;
          if (c == 0xF0) f.lo = 0x90;
          if (c == 0xF4) f.hi = 0x8F;
        } else {
          return false;
        }
        f.phase = kStrUtf8;
        return true;
      case kStrUtf8:
        if (c < f.lo || c > f.hi) return false;
        f.lo = 0x80, f.hi = 0xBF;
        if (--f.aux == 0) f.phase = kStrBody;
        return true;
      case kStrEscape:
        if (c == 'u') {
          f.phase = kStrHex;
          f.aux = 4;
          return true;
        }
        for (char e : std::string_view("\"\\/bfnrt"))
          if (c == static_cast<uint8_t>(e)) {
            f.phase = kStrBody;
            return true;
          }
        return false;
      case kStrHex:
        if (!is_hex(c)) return false;
        if (--f.aux == 0) f.phase = kStrBody;
        return true;
      case kNumSign:
      case kNumDot:
      case kNumExpSign:
        if (!is_digit(c)) return false;
        f.phase = f.phase == kNumSign ? (c == '0' ? kNumZero : kNumInt) : f.phase == kNumDot ? kNumFrac : kNumExpDigits;
        f.count = 1;
        return true;
      case kNumExp:
        if (c == '+' || c == '-') {
          f.phase = kNumExpSign;
          return true;
        }
        if (!is_digit(c)) return false;
        f.phase = kNumExpDigits;
        f.count = 1;
        return true;
      case kNumZero:
      case kNumInt:
      case kNumFrac:
      case kNumExpDigits: {
        const bool integer = n->kind == Kind::kInteger;
        if (is_digit(c) && f.phase != kNumZero) {
          const int most = f.phase == kNumInt ? kMaxIntegerDigits : f.phase == kNumFrac ? kMaxFractionDigits
                                                                                        : kMaxExponentDigits;
          if (f.count >= most) return false;
          ++f.count;
          return true;
        }
        if (!integer && c == '.' && (f.phase == kNumZero || f.phase == kNumInt)) {
          f.phase = kNumDot;
          return true;
        }
        if (!integer && (c == 'e' || c == 'E') && f.phase != kNumExpDigits) {
          f.phase = kNumExp;
          return true;
        }
        complete(s);  // the number ended before this byte: the parent takes it
        continue;
      }
      case kChoice: {
        uint64_t next = 0;
        bool longer = false;
        for (size_t i = 0; i < n->texts.size(); ++i)
          if ((f.candidates >> i & 1) && f.count < n->texts[i].size() && static_cast<uint8_t>(n->texts[i][f.count]) == c) {
            next |= 1ull << i;
            longer |= n->texts[i].size() > f.count + 1u;
          }
        if (next) {
          f.candidates = next;
          ++f.count;
          if (!longer) complete(s);
          return true;
        }
        if (!choice_can_end(f)) return false;
        complete(s);  // a value such as 1 of the choices 1 and 12, ended: the parent takes the byte
        continue;
      }
      default:
        return false;
    }
  }
}

bool JsonGrammar::can_end(const JsonState& s) const {
  if (s.finished) return true;
  if (s.stack.size() != 1) return false;
  const JsonFrame& f = s.stack.back();
  if (f.phase == kChoice) return choice_can_end(f);
  return number_can_end(f.phase);
}

}  // namespace hart
