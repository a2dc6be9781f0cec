// The filters (`x | name(args)`), each one table entry, named and behaving as Jinja2's;
// `tojson` is Hugging Face's (json.dumps, not Jinja's HTML-safe one).
#include <algorithm>
#include <map>

#include "chat/builtin_support.h"
#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {
namespace {

using FilterFn = Value (*)(Context&, const Value&, const CallArgs&);

Value select(Context& ctx, const Value& input, const CallArgs& a, bool by_attribute, bool keep) {
  size_t first = by_attribute ? 1 : 0;
  const char* fn = by_attribute ? (keep ? "selectattr" : "rejectattr") : (keep ? "select" : "reject");
  Value attr = by_attribute ? arg(a, 0, "attribute", fn) : Value();
  CallArgs test_args;
  std::string test;
  if (a.positional.size() > first) {
    test = need_string(a.positional[first], fn);
    test_args.positional.assign(a.positional.begin() + static_cast<ptrdiff_t>(first) + 1, a.positional.end());
  }
  ValueList out;
  for (const auto& item : iterate(input)) {
    Value v = by_attribute ? attribute_of(item, attr) : item;
    bool pass = test.empty() ? v.truthy() : apply_test(ctx, test, v, test_args);
    if (pass == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value to_list(const Value& v) { return Value::list(iterate(v)); }

Value sorted(const Value& input, const CallArgs& a) {
  ValueList items = iterate(input);
  bool reverse = arg_or(a, 0, "reverse", Value(false)).truthy();
  Value attr = arg_or(a, 2, "attribute", Value::none());
  auto key = [&](const Value& v) { return attr.is_none() ? v : attribute_of(v, attr); };
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    return reverse ? less_than(key(y), key(x)) : less_than(key(x), key(y));
  });
  return Value::list(std::move(items));
}

const std::map<std::string, FilterFn>& filters() {
  static const std::map<std::string, FilterFn> table = {
      {"trim", [](Context&, const Value& v, const CallArgs& a) { return Value(strip(v.str(), a.get(0, "chars"), true, true)); }},
      {"length", [](Context&, const Value& v, const CallArgs&) { return Value(length_of(v)); }},
      {"count", [](Context&, const Value& v, const CallArgs&) { return Value(length_of(v)); }},
      {"upper", [](Context&, const Value& v, const CallArgs&) { return Value(upper(v.str())); }},
      {"lower", [](Context&, const Value& v, const CallArgs&) { return Value(lower(v.str())); }},
      {"capitalize", [](Context&, const Value& v, const CallArgs&) { return Value(title_case(v.str(), true)); }},
      {"title", [](Context&, const Value& v, const CallArgs&) { return Value(title_case(v.str(), false)); }},
      {"string", [](Context&, const Value& v, const CallArgs&) { return Value(v.str()); }},
      {"safe", [](Context&, const Value& v, const CallArgs&) { return v; }},
      {"escape", [](Context&, const Value& v, const CallArgs&) { return Value(html_escape(v.str())); }},
      {"e", [](Context&, const Value& v, const CallArgs&) { return Value(html_escape(v.str())); }},
      {"tojson",
       [](Context&, const Value& v, const CallArgs& a) {
         Value indent = arg_or(a, 0, "indent", Value::none());
         return Value(v.to_json(indent.kind() == Value::Kind::Int ? static_cast<int>(std::clamp<int64_t>(indent.as_int(), 0, 64)) : -1));
       }},
      {"d", [](Context& c, const Value& v, const CallArgs& a) { return apply_filter(c, "default", v, a); }},
      {"default",
       [](Context&, const Value& v, const CallArgs& a) {
         Value def = arg_or(a, 0, "default_value", Value(""));
         bool boolean = arg_or(a, 1, "boolean", Value(false)).truthy();
         return (v.is_undefined() || (boolean && !v.truthy())) ? def : v;
       }},
      {"join",
       [](Context&, const Value& v, const CallArgs& a) {
         std::string sep = arg_or(a, 0, "d", Value("")).str();
         Value attr = arg_or(a, 1, "attribute", Value::none());
         std::string out;
         bool first = true;
         for (const auto& item : iterate(v)) {
           check_size(out.size(), "join");
           if (!first) out += sep;
           first = false;
           out += (attr.is_none() ? item : attribute_of(item, attr)).str();
         }
         return Value(std::move(out));
       }},
      {"replace",
       [](Context&, const Value& v, const CallArgs& a) {
         Value count = arg_or(a, 2, "count", Value::none());
         return Value(replace_all(v.str(), string_arg(a, 0, "old", "replace"), string_arg(a, 1, "new", "replace"),
                                  count.kind() == Value::Kind::Int ? count.as_int() : -1));
       }},
      {"list", [](Context&, const Value& v, const CallArgs&) { return to_list(v); }},
      {"items", [](Context&, const Value& v, const CallArgs&) { return items_of(v); }},
      {"first",
       [](Context&, const Value& v, const CallArgs&) {
         ValueList items = iterate(v);
         return items.empty() ? Value::undefined("first") : items.front();
       }},
      {"last",
       [](Context&, const Value& v, const CallArgs&) {
         ValueList items = iterate(v);
         return items.empty() ? Value::undefined("last") : items.back();
       }},
      {"reverse",
       [](Context&, const Value& v, const CallArgs&) {
         if (v.is_string()) {
           auto cs = utf8_chars(v.as_string());
           std::string out;
           for (auto it = cs.rbegin(); it != cs.rend(); ++it) out += *it;
           return Value(std::move(out));
         }
         ValueList items = iterate(v);
         std::reverse(items.begin(), items.end());
         return Value::list(std::move(items));
       }},
      {"sort", [](Context&, const Value& v, const CallArgs& a) { return sorted(v, a); }},
      {"unique",
       [](Context&, const Value& v, const CallArgs&) {
         ValueList out;
         for (const auto& item : iterate(v))
           if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
         return Value::list(std::move(out));
       }},
      {"selectattr", [](Context& c, const Value& v, const CallArgs& a) { return select(c, v, a, true, true); }},
      {"rejectattr", [](Context& c, const Value& v, const CallArgs& a) { return select(c, v, a, true, false); }},
      {"select", [](Context& c, const Value& v, const CallArgs& a) { return select(c, v, a, false, true); }},
      {"reject", [](Context& c, const Value& v, const CallArgs& a) { return select(c, v, a, false, false); }},
      {"map",
       [](Context& c, const Value& v, const CallArgs& a) {
         ValueList out;
         if (const Value* attr = a.keyword_arg("attribute")) {
           Value def = arg_or(a, 99, "default", Value::undefined());
           for (const auto& item : iterate(v)) {
             Value x = attribute_of(item, *attr);
             out.push_back(x.is_undefined() && !def.is_undefined() ? def : x);
           }
           return Value::list(std::move(out));
         }
         std::string name = string_arg(a, 0, "filter", "map");
         CallArgs rest;
         rest.positional.assign(a.positional.begin() + 1, a.positional.end());
         rest.keyword = a.keyword;
         for (const auto& item : iterate(v)) out.push_back(apply_filter(c, name, item, rest));
         return Value::list(std::move(out));
       }},
      {"int",
       [](Context&, const Value& v, const CallArgs& a) {
         if (v.kind() == Value::Kind::Int) return v;
         if (v.kind() == Value::Kind::Float) return Value(static_cast<int64_t>(v.as_number()));
         if (v.kind() == Value::Kind::Bool) return Value(int64_t{v.as_bool()});
         if (v.is_string()) {
           try {
             size_t used = 0;
             std::string s = strip(v.as_string(), nullptr, true, true);
             int64_t i = std::stoll(s, &used);
             if (used == s.size()) return Value(i);
           } catch (const std::exception&) {
           }
         }
         return arg_or(a, 0, "default", Value(int64_t{0}));
       }},
      {"float",
       [](Context&, const Value& v, const CallArgs& a) {
         if (v.is_number()) return Value(v.as_number());
         if (v.is_string()) {
           try {
             return Value(std::stod(v.as_string()));
           } catch (const std::exception&) {
           }
         }
         return arg_or(a, 0, "default", Value(0.0));
       }},
      {"abs",
       [](Context&, const Value& v, const CallArgs&) {
         if (v.kind() == Value::Kind::Int) return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
         if (v.kind() == Value::Kind::Float) return Value(v.as_number() < 0 ? -v.as_number() : v.as_number());
         throw TemplateError("abs needs a number, not '" + v.type_name() + "'");
       }},
      {"indent",
       [](Context&, const Value& v, const CallArgs& a) {
         Value w = arg_or(a, 0, "width", Value(int64_t{4}));
         std::string pad = w.is_string() ? w.as_string() : std::string(static_cast<size_t>(std::clamp<int64_t>(w.as_int(), 0, 256)), ' ');
         bool first = arg_or(a, 1, "first", Value(false)).truthy();
         bool blank = arg_or(a, 2, "blank", Value(false)).truthy();
         std::string s = v.str(), out;
         size_t pos = 0;
         bool at_first = true;
         while (pos <= s.size()) {
           size_t nl = s.find('\n', pos);
           std::string line = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
           bool pad_it = at_first ? first : (blank || !strip(line, nullptr, true, true).empty());
           if (pad_it) out += pad;
           out += line;
           check_size(out.size(), "indent");
           if (nl == std::string::npos) break;
           out += '\n';
           pos = nl + 1;
           at_first = false;
         }
         return Value(std::move(out));
       }},
  };
  return table;
}


}  // namespace

Value apply_filter(Context& ctx, const std::string& name, const Value& input, const CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) throw TemplateError("unknown filter '" + name + "'");
  return it->second(ctx, input, args);
}


}  // namespace hart::chat
