// The state of one rendering: variable scopes, the output being written, the loop
// control in flight, and the limits that stop a runaway template (loop steps, macro
// recursion, output size).
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/value.h"

namespace hart::chat {

struct RenderLimits {
  int64_t max_steps = 10'000'000;        // loop iterations and macro calls, all together
  int max_call_depth = 64;               // nested macro calls
  size_t max_output_bytes = 64u << 20;   // the rendered text
};

class Context {
 public:
  using Scope = std::unordered_map<std::string, Value>;

  explicit Context(RenderLimits limits) : limits_(limits) { scopes_.emplace_back(); }

  // Innermost scope first; Value::undefined(name) when nowhere.
  Value lookup(const std::string& name) const;
  void assign(const std::string& name, Value value) { scopes_.back()[name] = std::move(value); }
  void set_global(const std::string& name, Value value) { scopes_.front()[name] = std::move(value); }
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() { scopes_.pop_back(); }
  // Replaces all scopes but the globals (a macro call); returns the ones it replaced.
  std::vector<Scope> enter_macro();
  void leave_macro(std::vector<Scope> saved);

  void write(const std::string& s);
  std::string& output() { return *out_; }
  // Redirects output into `buffer` until the returned previous buffer is restored.
  std::string* redirect(std::string* buffer) {
    std::string* old = out_;
    out_ = buffer;
    return old;
  }

  enum class Flow { Normal, Break, Continue };
  Flow flow = Flow::Normal;

  void step();  // one loop iteration or macro call
  int call_depth = 0;
  const RenderLimits& limits() const { return limits_; }

 private:
  RenderLimits limits_;
  std::vector<Scope> scopes_;
  std::string root_;
  std::string* out_ = &root_;
  int64_t steps_ = 0;
};

// Filters (`x | name(args)`), tests (`x is name(args)`), methods (`x.name(args)`) and
// global functions: tables in builtins.cpp.
Value apply_filter(Context& ctx, const std::string& name, const Value& input, const CallArgs& args);
bool apply_test(Context& ctx, const std::string& name, const Value& input, const CallArgs& args);
// The bound method `name` of `object`, or undefined if it has none.
Value method_of(const Value& object, const std::string& name);
// range, namespace, dict, raise_exception, strftime_now (formatting `now`, or the
// local time when unset).
void install_globals(Context& ctx, const std::optional<std::tm>& now);

// Arithmetic and comparison with Python's rules (evaluator.cpp), shared with filters.
bool less_than(const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
// A value's items when iterated: list items, dict keys, string characters.
ValueList iterate(const Value& v);

}  // namespace hart::chat
