// What each statement does: output, if, for (with loop.*), set (a `set` inside a loop
// stays in that loop; namespace() attributes are how templates carry values out),
// macros, filter blocks, loop controls; and the rendering context's scopes and limits.
#include "chat/eval_support.h"

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

void run_body(Context& ctx, const Body& body) {
  for (const auto& s : body) {
    s->run(ctx);
    if (ctx.flow != Context::Flow::Normal) return;
  }
}

}  // namespace


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