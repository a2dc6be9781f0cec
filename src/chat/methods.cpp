// The methods of strings and dicts templates call (`s.strip()`, `d.get(k)`), each one
// table entry, behaving as Python's.
#include <algorithm>
#include <map>

#include "chat/builtin_support.h"
#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {
namespace {

Value bind(const Value& self, std::string name, Value (*fn)(const Value&, const CallArgs&)) {
  return Value::function(std::move(name), [self, fn](const CallArgs& a) { return fn(self, a); });
}

using MethodFn = Value (*)(const Value&, const CallArgs&);

const std::map<std::string, MethodFn>& string_methods() {
  static const std::map<std::string, MethodFn> table = {
      {"strip", [](const Value& s, const CallArgs& a) { return Value(strip(s.as_string(), a.get(0, "chars"), true, true)); }},
      {"lstrip", [](const Value& s, const CallArgs& a) { return Value(strip(s.as_string(), a.get(0, "chars"), true, false)); }},
      {"rstrip", [](const Value& s, const CallArgs& a) { return Value(strip(s.as_string(), a.get(0, "chars"), false, true)); }},
      {"split",
       [](const Value& s, const CallArgs& a) {
         Value max = arg_or(a, 1, "maxsplit", Value(int64_t{-1}));
         return Value::list(split(s.as_string(), a.get(0, "sep"), is_int(max) ? max.as_int() : -1));
       }},
      {"startswith",
       [](const Value& s, const CallArgs& a) {
         const Value& p = arg(a, 0, "prefix", "startswith");
         ValueList options = p.is_list() ? p.as_list() : ValueList{p};
         for (const auto& o : options)
           if (s.as_string().rfind(need_string(o, "startswith"), 0) == 0) return Value(true);
         return Value(false);
       }},
      {"endswith",
       [](const Value& s, const CallArgs& a) {
         const Value& p = arg(a, 0, "suffix", "endswith");
         ValueList options = p.is_list() ? p.as_list() : ValueList{p};
         for (const auto& o : options) {
           const std::string& x = need_string(o, "endswith");
           const std::string& str = s.as_string();
           if (str.size() >= x.size() && str.compare(str.size() - x.size(), x.size(), x) == 0) return Value(true);
         }
         return Value(false);
       }},
      {"replace",
       [](const Value& s, const CallArgs& a) {
         Value count = arg_or(a, 2, "count", Value(int64_t{-1}));
         return Value(replace_all(s.as_string(), string_arg(a, 0, "old", "replace"), string_arg(a, 1, "new", "replace"),
                                  is_int(count) ? count.as_int() : -1));
       }},
      {"upper", [](const Value& s, const CallArgs&) { return Value(upper(s.as_string())); }},
      {"lower", [](const Value& s, const CallArgs&) { return Value(lower(s.as_string())); }},
      {"title", [](const Value& s, const CallArgs&) { return Value(title_case(s.as_string(), false)); }},
      {"capitalize", [](const Value& s, const CallArgs&) { return Value(title_case(s.as_string(), true)); }},
      {"find",
       [](const Value& s, const CallArgs& a) {
         size_t hit = s.as_string().find(string_arg(a, 0, "sub", "find"));
         return Value(hit == std::string::npos ? int64_t{-1} : static_cast<int64_t>(utf8_length(s.as_string().substr(0, hit))));
       }},
      {"count",
       [](const Value& s, const CallArgs& a) {
         std::string sub = string_arg(a, 0, "sub", "count");
         if (sub.empty()) return Value(static_cast<int64_t>(utf8_length(s.as_string()) + 1));
         int64_t n = 0;
         for (size_t p = s.as_string().find(sub); p != std::string::npos; p = s.as_string().find(sub, p + sub.size())) ++n;
         return Value(n);
       }},
      {"join",
       [](const Value& s, const CallArgs& a) {
         std::string out;
         bool first = true;
         for (const auto& item : iterate(arg(a, 0, "iterable", "join"))) {
           if (!first) out += s.as_string();
           first = false;
           out += need_string(item, "join");
         }
         return Value(std::move(out));
       }},
      {"splitlines",
       [](const Value& s, const CallArgs&) {
         ValueList out;
         std::string cur;
         const std::string& str = s.as_string();
         for (size_t i = 0; i < str.size(); ++i) {
           if (str[i] == '\n' || str[i] == '\r') {
             out.emplace_back(cur);
             cur.clear();
             if (str[i] == '\r' && i + 1 < str.size() && str[i + 1] == '\n') ++i;
           } else {
             cur += str[i];
           }
         }
         if (!cur.empty()) out.emplace_back(cur);
         return Value::list(std::move(out));
       }},
      {"isdigit",
       [](const Value& s, const CallArgs&) {
         const std::string& str = s.as_string();
         return Value(!str.empty() && std::all_of(str.begin(), str.end(), [](char c) { return c >= '0' && c <= '9'; }));
       }},
  };
  return table;
}

const std::map<std::string, MethodFn>& dict_methods() {
  static const std::map<std::string, MethodFn> table = {
      {"get",
       [](const Value& d, const CallArgs& a) {
         const Value& key = arg(a, 0, "key", "get");
         const Value* v = key.is_string() ? d.as_dict().find(key.as_string()) : nullptr;
         return v ? *v : arg_or(a, 1, "default", Value::none());
       }},
      {"items", [](const Value& d, const CallArgs&) { return items_of(d); }},
      {"keys", [](const Value& d, const CallArgs&) { return Value::list(iterate(d)); }},
      {"values",
       [](const Value& d, const CallArgs&) {
         ValueList out;
         for (const auto& [k, v] : d.as_dict().items) out.push_back(v);
         return Value::list(std::move(out));
       }},
  };
  return table;
}


}  // namespace

Value method_of(const Value& object, const std::string& name) {
  const std::map<std::string, MethodFn>* table = object.is_string() ? &string_methods()
                                                 : (object.is_dict() && !object.as_dict().is_namespace) ? &dict_methods()
                                                                                                         : nullptr;
  if (!table) return Value::undefined(name);
  auto it = table->find(name);
  if (it == table->end()) return Value::undefined(name);
  return bind(object, object.type_name() + "." + name, it->second);
}


}  // namespace hart::chat
