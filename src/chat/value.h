// The values a chat template computes with: Python's, as Jinja sees them. Lists and
// dicts are shared by reference (a namespace() is a dict whose attributes `set` may
// assign), strings are UTF-8. Undefined is a value of its own: printing it gives "",
// testing it gives false, and most other uses are an error naming the variable.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace hart::chat {

class Value;
using ValueList = std::vector<Value>;

// Insertion-ordered, string keys (what JSON messages and the templates' literals use).
struct ValueDict {
  std::vector<std::pair<std::string, Value>> items;
  bool is_namespace = false;
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value value);
};

// Positional and keyword arguments of a call.
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;
  const Value* keyword_arg(const std::string& name) const;
  // The argument at `index` or named `name`, or nullptr.
  const Value* get(size_t index, const std::string& name) const;
};
using Function = std::function<Value(const CallArgs&)>;

class Value {
 public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Function };

  Value() = default;  // Undefined
  static Value undefined(std::string name = {});
  static Value none();
  Value(bool b);
  Value(int64_t i);
  Value(int i) : Value(static_cast<int64_t>(i)) {}
  Value(double f);
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}
  static Value list(ValueList items = {});
  // A list that prints as Python's tuple: (a, b), as (a, b) literals and items() make.
  static Value tuple(ValueList items);
  static Value dict(ValueDict items = {});
  static Value function(std::string name, Function fn);
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_tuple() const { return kind_ == Kind::List && b_; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return i_; }
  double as_number() const { return kind_ == Kind::Float ? f_ : static_cast<double>(i_); }
  const std::string& as_string() const { return s_; }  // also the undefined's name
  ValueList& as_list() const { return *list_; }
  ValueDict& as_dict() const { return *dict_; }
  const Function& as_function() const { return *fn_; }

  bool truthy() const;
  // What {{ v }} and the `string` filter print (Python's str()).
  std::string str() const;
  // Python's repr(): strings quoted, as inside a printed list.
  std::string repr() const;
  // JSON text as Hugging Face's `tojson` writes it: json.dumps(ensure_ascii=False),
  // ", " and ": " separators, or "," and newlines with `indent`.
  std::string to_json(int indent = -1) const;
  // Python's name of the type, for error messages.
  std::string type_name() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  Kind kind_ = Kind::Undefined;
  bool b_ = false;  // a Bool's value; a List's "is a tuple"
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<ValueList> list_;
  std::shared_ptr<ValueDict> dict_;
  std::shared_ptr<Function> fn_;
};

// The largest string or list a template may build (a string doubling itself in a loop
// must fail, not take the machine's memory); check_size throws past it.
constexpr size_t kMaxValueSize = 64u << 20;  // bytes of a string, items of a list
void check_size(size_t size, const char* what);

// Counts the nesting of the recursive walks over values (printing, JSON, comparing):
// a value may contain itself (`set ns.me = ns`) or nest a million levels deep.
class NestingGuard {
 public:
  NestingGuard();
  ~NestingGuard() { --depth_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  static thread_local int depth_;
};

// Code point length and slicing of UTF-8 strings, as Python counts them.
size_t utf8_length(const std::string& s);
std::string utf8_slice(const std::string& s, int64_t start, int64_t stop);
std::vector<std::string> utf8_chars(const std::string& s);

}  // namespace hart::chat
