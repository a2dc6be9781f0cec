// What the evaluation of expressions and of statements shares: errors placed at a
// node, the evaluation of call arguments, and Python's operators (operators.cpp).
#pragma once
#include <string>

#include "chat/ast.h"
#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {

[[noreturn]] inline void fail(const Node& n, const std::string& message) { throw_at(n.line, n.column, message); }

// Runs `f`, giving an error that names no place the position of `n`.
template <class F>
auto located(const Node& n, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const TemplateError& e) {
    if (e.located) throw;
    fail(n, e.what());
  }
}

// "'name'" of an undefined value, for messages.
inline std::string undefined_name(const Value& v) {
  return v.as_string().empty() ? "a variable" : "'" + v.as_string() + "'";
}

CallArgs evaluate(Context& ctx, const Arguments& args);

// + - * / // % ** with Python's rules for ints, floats, strings and lists.
Value arithmetic(const std::string& op, const Value& a, const Value& b);

}  // namespace hart::chat
