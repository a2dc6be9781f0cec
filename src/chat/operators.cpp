// Python's operators on template values: arithmetic, ordering, `in`, iteration.
#include <algorithm>
#include <cmath>

#include "chat/eval_support.h"

namespace hart::chat {

CallArgs evaluate(Context& ctx, const Arguments& args) {
  CallArgs out;
  for (const auto& a : args.positional) out.positional.push_back(a->eval(ctx));
  for (const auto& [k, a] : args.keyword) out.keyword.emplace_back(k, a->eval(ctx));
  return out;
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  auto type_error = [&]() -> Value {
    if (a.is_undefined() || b.is_undefined())
      throw TemplateError(undefined_name(a.is_undefined() ? a : b) + " is undefined (used with '" + op + "')");
    if (op == "+" && a.is_string())  // Python's words for each case
      throw TemplateError("can only concatenate str (not \"" + b.type_name() + "\") to str");
    throw TemplateError("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
  };
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      check_size(a.as_string().size() + b.as_string().size(), "'+'");
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list()) {
      check_size(a.as_list().size() + b.as_list().size(), "'+'");
      ValueList items = a.as_list();
      items.insert(items.end(), b.as_list().begin(), b.as_list().end());
      return Value::list(std::move(items));
    }
  }
  if (op == "*") {
    const Value* s = a.is_string() ? &a : b.is_string() ? &b : nullptr;
    const Value* n = a.kind() == Value::Kind::Int ? &a : b.kind() == Value::Kind::Int ? &b : nullptr;
    if (s && n) {
      std::string out;
      size_t times = static_cast<size_t>(std::max<int64_t>(n->as_int(), 0));
      if (times > kMaxValueSize || s->as_string().size() * times > kMaxValueSize) check_size(SIZE_MAX, "'*'");
      for (size_t i = 0; i < times; ++i) out += s->as_string();
      return Value(std::move(out));
    }
  }
  auto numeric = [](const Value& v) { return v.is_number() || v.kind() == Value::Kind::Bool; };
  if (!numeric(a) || !numeric(b)) return type_error();
  auto as_int = [](const Value& v) { return v.kind() == Value::Kind::Bool ? int64_t{v.as_bool()} : v.as_int(); };
  bool ints = a.kind() != Value::Kind::Float && b.kind() != Value::Kind::Float;
  double x = a.kind() == Value::Kind::Bool ? a.as_bool() : a.as_number();
  double y = b.kind() == Value::Kind::Bool ? b.as_bool() : b.as_number();
  if (op == "/") {
    if (y == 0) throw TemplateError("division by zero");
    return Value(x / y);
  }
  if (ints) {
    int64_t i = as_int(a), j = as_int(b);
    if (op == "+") return Value(i + j);
    if (op == "-") return Value(i - j);
    if (op == "*") return Value(i * j);
    if (op == "//" || op == "%") {
      if (j == 0) throw TemplateError("integer division or modulo by zero");
      int64_t q = i / j, r = i % j;
      if (r != 0 && ((r < 0) != (j < 0))) --q, r += j;  // Python floors
      return Value(op == "//" ? q : r);
    }
    if (op == "**") {
      if (j < 0) return Value(std::pow(x, y));
      int64_t r = 1;
      for (int64_t k = 0; k < j && k < 64; ++k) r *= i;
      return Value(r);
    }
  }
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "//" || op == "%") {
    if (y == 0) throw TemplateError("float division or modulo by zero");
    double q = std::floor(x / y);
    return Value(op == "//" ? q : x - q * y);
  }
  if (op == "**") return Value(std::pow(x, y));
  return type_error();
}


bool less_than(const Value& a, const Value& b) {
  if ((a.is_number() || a.kind() == Value::Kind::Bool) && (b.is_number() || b.kind() == Value::Kind::Bool)) {
    double x = a.kind() == Value::Kind::Bool ? a.as_bool() : a.as_number();
    double y = b.kind() == Value::Kind::Bool ? b.as_bool() : b.as_number();
    return x < y;
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list()) {
    NestingGuard guard;
    const auto &x = a.as_list(), &y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (less_than(x[i], y[i])) return true;
      if (less_than(y[i], x[i])) return false;
    }
    return x.size() < y.size();
  }
  throw TemplateError("cannot order '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::String:
      if (!item.is_string())
        throw TemplateError("'in <string>' requires a string on the left, not '" + item.type_name() + "'");
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const auto& v : container.as_list())
        if (v == item) return true;
      return false;
    case Value::Kind::Dict: return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
    case Value::Kind::Undefined: return false;
    default: throw TemplateError("'in' needs a string, list or dict on the right, not '" + container.type_name() + "'");
  }
}

ValueList iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::List: return v.as_list();
    case Value::Kind::Dict: {
      ValueList keys;
      for (const auto& [k, _] : v.as_dict().items) keys.emplace_back(k);
      return keys;
    }
    case Value::Kind::String: {
      ValueList chars;
      for (auto& c : utf8_chars(v.as_string())) chars.emplace_back(std::move(c));
      return chars;
    }
    case Value::Kind::Undefined: return {};
    default: throw TemplateError("'" + v.type_name() + "' is not iterable");
  }
}

}  // namespace hart::chat
