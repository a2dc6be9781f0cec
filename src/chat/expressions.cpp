// What each expression node evaluates to, with Jinja's (Python's) semantics: missing
// attributes and items are undefined rather than errors, and an error names the line
// and column of the node that raised it.
#include <algorithm>
#include <optional>

#include "chat/eval_support.h"

namespace hart::chat {
namespace {

int64_t normalize_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

}  // namespace


Value Literal::eval(Context&) const { return value; }

Value ListExpr::eval(Context& ctx) const {
  ValueList out;
  for (const auto& e : items) out.push_back(e->eval(ctx));
  return tuple ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Value DictExpr::eval(Context& ctx) const {
  ValueDict d;
  for (const auto& [k, v] : items) {
    Value key = k->eval(ctx);
    if (!key.is_string()) fail(*k, "dict keys must be strings here, not '" + key.type_name() + "'");
    d.set(key.as_string(), v->eval(ctx));
  }
  return Value::dict(std::move(d));
}

Value NameExpr::eval(Context& ctx) const { return ctx.lookup(name); }

Value AttrExpr::eval(Context& ctx) const {
  Value obj = object->eval(ctx);
  if (obj.is_undefined()) fail(*this, undefined_name(obj) + " is undefined (reading its attribute '" + name + "')");
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
  }
  Value m = method_of(obj, name);
  if (!m.is_undefined()) return m;
  std::string base = obj.is_undefined() ? "" : obj.type_name();
  return Value::undefined(base + "." + name);
}

Value ItemExpr::eval(Context& ctx) const {
  Value obj = object->eval(ctx);
  Value key = index->eval(ctx);
  if (obj.is_undefined()) fail(*this, undefined_name(obj) + " is undefined (reading an item of it)");
  if (obj.is_dict()) {
    if (key.is_string()) {
      if (const Value* v = obj.as_dict().find(key.as_string())) return *v;
      Value m = method_of(obj, key.as_string());
      if (!m.is_undefined()) return m;
    }
    return Value::undefined(key.str());
  }
  if (obj.is_list() || obj.is_string()) {
    if (key.kind() != Value::Kind::Int && key.kind() != Value::Kind::Bool) {
      if (obj.is_string() && key.is_string()) return method_of(obj, key.as_string());
      fail(*this, obj.type_name() + " indices must be integers, not '" + key.type_name() + "'");
    }
    int64_t k = key.kind() == Value::Kind::Bool ? key.as_bool() : key.as_int();
    if (obj.is_list()) {
      int64_t n = static_cast<int64_t>(obj.as_list().size());
      int64_t i = normalize_index(k, n);
      if (i < 0 || i >= n) return Value::undefined("[" + std::to_string(k) + "]");
      return obj.as_list()[static_cast<size_t>(i)];
    }
    int64_t n = static_cast<int64_t>(utf8_length(obj.as_string()));
    int64_t i = normalize_index(k, n);
    if (i < 0 || i >= n) return Value::undefined("[" + std::to_string(k) + "]");
    return Value(utf8_slice(obj.as_string(), i, i + 1));
  }
  return Value::undefined("[" + key.str() + "]");
}

Value SliceExpr::eval(Context& ctx) const {
  Value obj = object->eval(ctx);
  auto bound = [&](const ExprPtr& e) -> std::optional<int64_t> {
    if (!e) return std::nullopt;
    Value v = e->eval(ctx);
    if (v.is_none()) return std::nullopt;
    if (v.kind() != Value::Kind::Int) fail(*e, "slice indices must be integers, not '" + v.type_name() + "'");
    return v.as_int();
  };
  std::optional<int64_t> b = bound(start), e = bound(stop), s = bound(step);
  int64_t st = s.value_or(1);
  if (st == 0) fail(*this, "slice step cannot be zero");
  ValueList items;
  bool is_string = obj.is_string();
  std::vector<std::string> chars;
  if (is_string) {
    chars = utf8_chars(obj.as_string());
  } else if (obj.is_list()) {
    items = obj.as_list();
  } else {
    fail(*this, "cannot slice '" + obj.type_name() + "'");
  }
  int64_t n = is_string ? static_cast<int64_t>(chars.size()) : static_cast<int64_t>(items.size());
  // Python's slice.indices().
  auto clamp = [&](std::optional<int64_t> v, int64_t def) {
    if (!v) return def;
    int64_t x = *v < 0 ? *v + n : *v;
    if (st > 0) return std::clamp<int64_t>(x, 0, n);
    return std::clamp<int64_t>(x, -1, n - 1);
  };
  int64_t from = clamp(b, st > 0 ? 0 : n - 1), to = clamp(e, st > 0 ? n : -1);
  std::string str_out;
  ValueList list_out;
  for (int64_t i = from; st > 0 ? i < to : i > to; i += st) {
    if (is_string) str_out += chars[static_cast<size_t>(i)];
    else list_out.push_back(items[static_cast<size_t>(i)]);
  }
  return is_string ? Value(std::move(str_out)) : Value::list(std::move(list_out));
}

Value CallExpr::eval(Context& ctx) const {
  Value fn = callee->eval(ctx);
  CallArgs a = evaluate(ctx, args);
  if (fn.is_undefined()) fail(*this, undefined_name(fn) + " is undefined (called as a function)");
  if (fn.kind() != Value::Kind::Function) fail(*this, "'" + fn.type_name() + "' is not callable");
  return located(*this, [&] { return fn.as_function()(a); });
}

Value FilterExpr::eval(Context& ctx) const {
  Value input = object->eval(ctx);
  CallArgs a = evaluate(ctx, args);
  return located(*this, [&] { return apply_filter(ctx, name, input, a); });
}

Value TestExpr::eval(Context& ctx) const {
  Value input = object->eval(ctx);
  CallArgs a = evaluate(ctx, args);
  bool r = located(*this, [&] { return apply_test(ctx, name, input, a); });
  return Value(negated ? !r : r);
}

Value UnaryExpr::eval(Context& ctx) const {
  Value v = operand->eval(ctx);
  if (op == "not") return Value(!v.truthy());
  if (v.kind() == Value::Kind::Int) return Value(op == "-" ? -v.as_int() : v.as_int());
  if (v.kind() == Value::Kind::Float) return Value(op == "-" ? -v.as_number() : v.as_number());
  fail(*this, "bad operand type for unary " + op + ": '" + v.type_name() + "'");
}

Value BinaryExpr::eval(Context& ctx) const {
  if (op == "or") {
    Value l = left->eval(ctx);
    return l.truthy() ? l : right->eval(ctx);
  }
  if (op == "and") {
    Value l = left->eval(ctx);
    return l.truthy() ? right->eval(ctx) : l;
  }
  Value l = left->eval(ctx), r = right->eval(ctx);
  return located(*this, [&]() -> Value {
    if (op == "==") return Value(l == r);
    if (op == "!=") return Value(!(l == r));
    if (op == "<") return Value(less_than(l, r));
    if (op == ">") return Value(less_than(r, l));
    if (op == "<=") return Value(!less_than(r, l));
    if (op == ">=") return Value(!less_than(l, r));
    if (op == "in") return Value(contains(r, l));
    if (op == "not in") return Value(!contains(r, l));
    if (op == "~") {
      std::string ls = l.str(), rs = r.str();
      check_size(ls.size() + rs.size(), "'~'");
      return Value(ls + rs);
    }
    return arithmetic(op, l, r);
  });
}

Value CondExpr::eval(Context& ctx) const {
  if (cond->eval(ctx).truthy()) return then->eval(ctx);
  return otherwise ? otherwise->eval(ctx) : Value::undefined();
}

}  // namespace hart::chat
