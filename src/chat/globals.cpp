// The global functions of a rendering: Jinja's range, namespace and dict, and Hugging
// Face's raise_exception and strftime_now.
#include <ctime>

#include "chat/builtin_support.h"
#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {

void install_globals(Context& ctx, const std::optional<std::tm>& now) {
  ctx.set_global("range", Value::function("range", [](const CallArgs& a) {
                   int64_t start = 0, stop = 0, step = 1;
                   auto num = [](const Value& v) {
                     if (!is_int(v)) throw TemplateError("range() needs integers, not '" + v.type_name() + "'");
                     return v.as_int();
                   };
                   if (a.positional.size() == 1) {
                     stop = num(a.positional[0]);
                   } else if (a.positional.size() >= 2) {
                     start = num(a.positional[0]);
                     stop = num(a.positional[1]);
                     if (a.positional.size() > 2) step = num(a.positional[2]);
                   } else {
                     throw TemplateError("range() needs 1 to 3 arguments");
                   }
                   if (step == 0) throw TemplateError("range() step must not be zero");
                   ValueList out;
                   for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
                     if (out.size() >= 1'000'000) throw TemplateError("range() of more than 1000000 items");
                     out.emplace_back(i);
                   }
                   return Value::list(std::move(out));
                 }));
  auto make_dict = [](bool is_namespace) {
    return [is_namespace](const CallArgs& a) {
      ValueDict d;
      d.is_namespace = is_namespace;
      for (const auto& p : a.positional)
        if (p.is_dict())
          for (const auto& [k, v] : p.as_dict().items) d.set(k, v);
      for (const auto& [k, v] : a.keyword) d.set(k, v);
      return Value::dict(std::move(d));
    };
  };
  ctx.set_global("namespace", Value::function("namespace", make_dict(true)));
  ctx.set_global("dict", Value::function("dict", make_dict(false)));
  ctx.set_global("raise_exception", Value::function("raise_exception", [](const CallArgs& a) -> Value {
                   std::string message = a.positional.empty() ? "" : a.positional[0].str();
                   throw TemplateError("the template raised an error: " + message);
                 }));
  ctx.set_global("strftime_now", Value::function("strftime_now", [now](const CallArgs& a) {
                   std::string format = string_arg(a, 0, "format", "strftime_now");
                   std::tm tm{};
                   if (now) {
                     tm = *now;
                   } else {
                     std::time_t t = std::time(nullptr);
                     localtime_r(&t, &tm);
                   }
                   char buf[256];
                   size_t n = std::strftime(buf, sizeof buf, format.c_str(), &tm);
                   return Value(std::string(buf, n));
                 }));
}

}  // namespace hart::chat
