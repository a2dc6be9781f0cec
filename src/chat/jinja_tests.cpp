// The tests (`x is name(args)`), each one table entry, named and behaving as Jinja2's.
#include <map>

#include "chat/builtin_support.h"
#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {
namespace {

using TestFn = bool (*)(const Value&, const CallArgs&);

const std::map<std::string, TestFn>& tests() {
  static const std::map<std::string, TestFn> table = {
      {"defined", [](const Value& v, const CallArgs&) { return !v.is_undefined(); }},
      {"undefined", [](const Value& v, const CallArgs&) { return v.is_undefined(); }},
      {"none", [](const Value& v, const CallArgs&) { return v.is_none(); }},
      {"boolean", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Bool; }},
      {"true", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Bool && v.as_bool(); }},
      {"false", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Bool && !v.as_bool(); }},
      {"integer", [](const Value& v, const CallArgs&) { return is_int(v); }},
      {"float", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Float; }},
      {"number", [](const Value& v, const CallArgs&) { return v.is_number() || v.kind() == Value::Kind::Bool; }},
      {"string", [](const Value& v, const CallArgs&) { return v.is_string(); }},
      {"mapping", [](const Value& v, const CallArgs&) { return v.is_dict(); }},
      {"iterable",
       [](const Value& v, const CallArgs&) { return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined(); }},
      {"sequence", [](const Value& v, const CallArgs&) { return v.is_list() || v.is_dict() || v.is_string(); }},
      {"callable", [](const Value& v, const CallArgs&) { return v.kind() == Value::Kind::Function; }},
      {"odd", [](const Value& v, const CallArgs&) { return is_int(v) && v.as_int() % 2 != 0; }},
      {"even", [](const Value& v, const CallArgs&) { return is_int(v) && v.as_int() % 2 == 0; }},
      {"divisibleby",
       [](const Value& v, const CallArgs& a) {
         const Value& d = arg(a, 0, "num", "divisibleby");
         return is_int(v) && is_int(d) && d.as_int() != 0 && v.as_int() % d.as_int() == 0;
       }},
      {"equalto", [](const Value& v, const CallArgs& a) { return v == arg(a, 0, "other", "equalto"); }},
      {"eq", [](const Value& v, const CallArgs& a) { return v == arg(a, 0, "other", "eq"); }},
      {"==", [](const Value& v, const CallArgs& a) { return v == arg(a, 0, "other", "=="); }},
      {"ne", [](const Value& v, const CallArgs& a) { return !(v == arg(a, 0, "other", "ne")); }},
      {"!=", [](const Value& v, const CallArgs& a) { return !(v == arg(a, 0, "other", "!=")); }},
      {"lt", [](const Value& v, const CallArgs& a) { return less_than(v, arg(a, 0, "other", "lt")); }},
      {"gt", [](const Value& v, const CallArgs& a) { return less_than(arg(a, 0, "other", "gt"), v); }},
      {"le", [](const Value& v, const CallArgs& a) { return !less_than(arg(a, 0, "other", "le"), v); }},
      {"ge", [](const Value& v, const CallArgs& a) { return !less_than(v, arg(a, 0, "other", "ge")); }},
      {"in", [](const Value& v, const CallArgs& a) { return contains(arg(a, 0, "seq", "in"), v); }},
      {"sameas",
       [](const Value& v, const CallArgs& a) {
         const Value& o = arg(a, 0, "other", "sameas");
         if (v.kind() != o.kind()) return false;
         if (v.is_list()) return &v.as_list() == &o.as_list();
         if (v.is_dict()) return &v.as_dict() == &o.as_dict();
         return v == o;
       }},
      {"lower", [](const Value& v, const CallArgs&) { return v.is_string() && lower(v.as_string()) == v.as_string(); }},
      {"upper", [](const Value& v, const CallArgs&) { return v.is_string() && upper(v.as_string()) == v.as_string(); }},
  };
  return table;
}


}  // namespace

bool apply_test(Context&, const std::string& name, const Value& input, const CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) throw TemplateError("unknown test '" + name + "'");
  return it->second(input, args);
}


}  // namespace hart::chat
