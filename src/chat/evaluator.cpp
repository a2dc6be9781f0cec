// What each node of the syntax tree does, with Jinja's (Python's) semantics: missing
// attributes and items are undefined rather than errors, `set` inside a loop stays in
// that loop (namespace() attributes are how templates carry values out), and an
// error names the line and column of the node that raised it.
#include <cmath>

#include "chat/ast.h"
#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {

Value Context::lookup(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto found = it->find(name);
    if (found != it->end()) return found->second;
  }
  return Value::undefined(name);
}

std::vector<Context::Scope> Context::enter_macro() {
  std::vector<Scope> saved(std::make_move_iterator(scopes_.begin() + 1), std::make_move_iterator(scopes_.end()));
  scopes_.resize(1);
  scopes_.emplace_back();
  return saved;
}

void Context::leave_macro(std::vector<Scope> saved) {
  scopes_.resize(1);
  for (auto& s : saved) scopes_.push_back(std::move(s));
}

void Context::write(const std::string& s) {
  if (out_->size() + s.size() > limits_.max_output_bytes)
    throw TemplateError("the output passed " + std::to_string(limits_.max_output_bytes) + " bytes (a runaway template?)");
  *out_ += s;
}

void Context::step() {
  if (++steps_ > limits_.max_steps)
    throw TemplateError("more than " + std::to_string(limits_.max_steps) + " loop iterations (a runaway template?)");
}

namespace {

[[noreturn]] void fail(const Node& n, const std::string& message) { throw_at(n.line, n.column, message); }

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

void run_body(Context& ctx, const Body& body) {
  for (const auto& s : body) {
    s->run(ctx);
    if (ctx.flow != Context::Flow::Normal) return;
  }
}

std::string undefined_name(const Value& v) {
  return v.as_string().empty() ? "a variable" : "'" + v.as_string() + "'";
}

CallArgs evaluate(Context& ctx, const Arguments& args) {
  CallArgs out;
  for (const auto& a : args.positional) out.positional.push_back(a->eval(ctx));
  for (const auto& [k, a] : args.keyword) out.keyword.emplace_back(k, a->eval(ctx));
  return out;
}

int64_t normalize_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

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

}  // namespace

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

// ---- expressions ----

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

// ---- statements ----

void TextStmt::run(Context& ctx) const { located(*this, [&] { ctx.write(text); }); }

void OutputStmt::run(Context& ctx) const {
  Value v = expr->eval(ctx);
  located(*this, [&] { ctx.write(v.str()); });
}

void IfStmt::run(Context& ctx) const {
  for (const auto& [cond, body] : branches)
    if (cond->eval(ctx).truthy()) return run_body(ctx, body);
  run_body(ctx, otherwise);
}

void ForStmt::run(Context& ctx) const {
  Value seq = iterable->eval(ctx);
  ValueList items = located(*this, [&] { return iterate(seq); });
  auto bind = [&](const Value& item) {
    if (targets.size() == 1) return ctx.assign(targets[0], item);
    if (!item.is_list() || item.as_list().size() != targets.size())
      fail(*this, "cannot unpack " + item.repr() + " into " + std::to_string(targets.size()) + " loop variables");
    for (size_t k = 0; k < targets.size(); ++k) ctx.assign(targets[k], item.as_list()[k]);
  };
  if (filter) {  // {% for x in xs if cond %}: loop.* counts the kept items
    ValueList kept;
    for (const auto& item : items) {
      ctx.push_scope();
      bind(item);
      bool keep = filter->eval(ctx).truthy();
      ctx.pop_scope();
      if (keep) kept.push_back(item);
    }
    items = std::move(kept);
  }
  if (items.empty()) return run_body(ctx, otherwise);
  const int64_t n = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < n; ++i) {
    located(*this, [&] { ctx.step(); });
    ctx.push_scope();
    bind(items[static_cast<size_t>(i)]);
    ValueDict loop;
    loop.set("index0", Value(i));
    loop.set("index", Value(i + 1));
    loop.set("revindex0", Value(n - i - 1));
    loop.set("revindex", Value(n - i));
    loop.set("first", Value(i == 0));
    loop.set("last", Value(i == n - 1));
    loop.set("length", Value(n));
    loop.set("previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("loop.previtem"));
    loop.set("nextitem", i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value::undefined("loop.nextitem"));
    loop.set("cycle", Value::function("loop.cycle", [i](const CallArgs& a) -> Value {
               if (a.positional.empty()) throw TemplateError("loop.cycle() needs at least one argument");
               return a.positional[static_cast<size_t>(i) % a.positional.size()];
             }));
    ctx.assign("loop", Value::dict(std::move(loop)));
    run_body(ctx, body);
    ctx.pop_scope();
    Context::Flow flow = ctx.flow;
    ctx.flow = Context::Flow::Normal;
    if (flow == Context::Flow::Break) break;
  }
}

void SetStmt::run(Context& ctx) const {
  Value v = value->eval(ctx);
  if (!attribute.empty()) {
    Value target = ctx.lookup(targets[0]);
    if (!target.is_dict() || !target.as_dict().is_namespace)
      fail(*this, "cannot set an attribute of '" + targets[0] + "' (" + target.type_name() +
                      "): only namespace() objects take attributes");
    target.as_dict().set(attribute, std::move(v));
    return;
  }
  if (targets.size() == 1) return ctx.assign(targets[0], std::move(v));
  if (!v.is_list() || v.as_list().size() != targets.size())
    fail(*this, "cannot unpack " + v.repr() + " into " + std::to_string(targets.size()) + " variables");
  for (size_t k = 0; k < targets.size(); ++k) ctx.assign(targets[k], v.as_list()[k]);
}

void SetBlockStmt::run(Context& ctx) const {
  std::string buffer;
  std::string* old = ctx.redirect(&buffer);
  run_body(ctx, body);
  ctx.redirect(old);
  ctx.assign(target, Value(std::move(buffer)));
}

void MacroStmt::run(Context& ctx) const {
  Context* c = &ctx;
  const MacroStmt* self = this;
  ctx.assign(name, Value::function(name, [c, self](const CallArgs& args) -> Value {
               Context& ctx = *c;
               if (args.positional.size() > self->params.size())
                 throw TemplateError("macro '" + self->name + "' takes " + std::to_string(self->params.size()) +
                                     " arguments, got " + std::to_string(args.positional.size()));
               // Arguments are evaluated in the caller's scopes, defaults in the macro's.
               if (++ctx.call_depth > ctx.limits().max_call_depth) {
                 --ctx.call_depth;
                 throw TemplateError("macro calls nested deeper than " + std::to_string(ctx.limits().max_call_depth));
               }
               ctx.step();
               auto saved = ctx.enter_macro();
               std::string buffer;
               std::string* old = ctx.redirect(&buffer);
               try {
                 for (size_t k = 0; k < self->params.size(); ++k) {
                   const auto& [pname, def] = self->params[k];
                   if (const Value* v = args.get(k, pname)) ctx.assign(pname, *v);
                   else ctx.assign(pname, def ? def->eval(ctx) : Value::undefined(pname));
                 }
                 run_body(ctx, self->body);
               } catch (...) {
                 ctx.redirect(old);
                 ctx.leave_macro(std::move(saved));
                 --ctx.call_depth;
                 throw;
               }
               ctx.flow = Context::Flow::Normal;
               ctx.redirect(old);
               ctx.leave_macro(std::move(saved));
               --ctx.call_depth;
               return Value(std::move(buffer));
             }));
}

void FilterBlockStmt::run(Context& ctx) const {
  std::string buffer;
  std::string* old = ctx.redirect(&buffer);
  run_body(ctx, body);
  ctx.redirect(old);
  Value v(std::move(buffer));
  for (const auto& f : filters) {
    CallArgs a = evaluate(ctx, f->args);
    v = located(*f, [&] { return apply_filter(ctx, f->name, v, a); });
  }
  located(*this, [&] { ctx.write(v.str()); });
}

void BlockStmt::run(Context& ctx) const { run_body(ctx, body); }

void LoopControlStmt::run(Context& ctx) const { ctx.flow = is_break ? Context::Flow::Break : Context::Flow::Continue; }

}  // namespace hart::chat
