// The filters, tests, methods and globals chat templates use, each one table entry.
// Names and behaviour follow Jinja2 and Python's str/dict methods; `tojson` is Hugging
// Face's (json.dumps, not Jinja's HTML-safe one), as transformers renders templates.
#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {
namespace {

using FilterFn = Value (*)(Context&, const Value&, const CallArgs&);
using TestFn = bool (*)(const Value&, const CallArgs&);

const Value& arg(const CallArgs& a, size_t i, const char* name, const char* fn) {
  const Value* v = a.get(i, name);
  if (!v) throw TemplateError(std::string(fn) + ": missing argument '" + name + "'");
  return *v;
}
Value arg_or(const CallArgs& a, size_t i, const char* name, Value def) {
  const Value* v = a.get(i, name);
  return v ? *v : std::move(def);
}
std::string string_arg(const CallArgs& a, size_t i, const char* name, const char* fn) {
  const Value& v = arg(a, i, name, fn);
  if (!v.is_string()) throw TemplateError(std::string(fn) + ": '" + name + "' must be a string, not '" + v.type_name() + "'");
  return v.as_string();
}
const std::string& need_string(const Value& v, const char* fn) {
  if (!v.is_string()) throw TemplateError(std::string(fn) + " needs a string, not '" + v.type_name() + "'");
  return v.as_string();
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Python's str.strip family: whitespace, or any of `chars` (code points).
std::string strip(const std::string& s, const Value* chars, bool left, bool right) {
  std::vector<std::string> cs = utf8_chars(s);
  std::vector<std::string> set;
  bool ws = !chars || chars->is_none();
  if (!ws) set = utf8_chars(need_string(*chars, "strip"));
  auto drop = [&](const std::string& c) {
    if (ws) return c.size() == 1 && is_ws(c[0]);
    return std::find(set.begin(), set.end(), c) != set.end();
  };
  size_t b = 0, e = cs.size();
  if (left)
    while (b < e && drop(cs[b])) ++b;
  if (right)
    while (e > b && drop(cs[e - 1])) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) out += cs[i];
  return out;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to, int64_t count) {
  if (from.empty()) {  // Python inserts `to` between every character
    std::string out = to;
    for (auto& c : utf8_chars(s)) out += c + to;
    return out;
  }
  std::string out;
  size_t pos = 0;
  for (int64_t n = 0; count < 0 || n < count; ++n) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out.append(s, pos);
  return out;
}

ValueList split(const std::string& s, const Value* sep, int64_t maxsplit) {
  ValueList out;
  if (!sep || sep->is_none()) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && is_ws(s[i])) ++i;
      if (i >= s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        std::string rest = s.substr(i);
        while (!rest.empty() && is_ws(rest.back())) rest.pop_back();
        out.emplace_back(rest);
        break;
      }
      size_t j = i;
      while (j < s.size() && !is_ws(s[j])) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  const std::string& d = need_string(*sep, "split");
  if (d.empty()) throw TemplateError("split: empty separator");
  size_t pos = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    size_t hit = s.find(d, pos);
    if (hit == std::string::npos) break;
    out.emplace_back(s.substr(pos, hit - pos));
    pos = hit + d.size();
  }
  out.emplace_back(s.substr(pos));
  return out;
}

std::string title_case(const std::string& s, bool only_first) {
  std::string out = s;
  bool start = true;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      c = static_cast<char>(start ? std::toupper(u) : std::tolower(u));
      start = false;
    } else if (!only_first) {
      start = true;
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A dotted attribute path ("function.name") or an integer index of each item.
Value attribute_of(const Value& item, const Value& path) {
  if (path.kind() == Value::Kind::Int) {
    if (item.is_list() && path.as_int() >= 0 && static_cast<size_t>(path.as_int()) < item.as_list().size())
      return item.as_list()[static_cast<size_t>(path.as_int())];
    return Value::undefined();
  }
  Value v = item;
  size_t pos = 0;
  const std::string& p = need_string(path, "attribute");
  while (true) {
    size_t dot = p.find('.', pos);
    std::string key = p.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (!v.is_dict()) return Value::undefined(key);
    const Value* next = v.as_dict().find(key);
    if (!next) return Value::undefined(key);
    v = *next;
    if (dot == std::string::npos) return v;
    pos = dot + 1;
  }
}

// select/reject and selectattr/rejectattr: args are [attribute,] test name, test args.
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

Value items_of(const Value& v) {
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) throw TemplateError("items needs a dict, not '" + v.type_name() + "'");
  ValueList out;
  for (const auto& [k, x] : v.as_dict().items) out.push_back(Value::list({Value(k), x}));
  return Value::list(std::move(out));
}

int64_t length_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String: return static_cast<int64_t>(utf8_length(v.as_string()));
    case Value::Kind::List: return static_cast<int64_t>(v.as_list().size());
    case Value::Kind::Dict: return static_cast<int64_t>(v.as_dict().items.size());
    case Value::Kind::Undefined: return 0;
    default: throw TemplateError("object of type '" + v.type_name() + "' has no length");
  }
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

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

bool is_int(const Value& v) { return v.kind() == Value::Kind::Int; }

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

Value apply_filter(Context& ctx, const std::string& name, const Value& input, const CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) throw TemplateError("unknown filter '" + name + "'");
  return it->second(ctx, input, args);
}

bool apply_test(Context&, const std::string& name, const Value& input, const CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) throw TemplateError("unknown test '" + name + "'");
  return it->second(input, args);
}

Value method_of(const Value& object, const std::string& name) {
  const std::map<std::string, MethodFn>* table = object.is_string() ? &string_methods()
                                                 : (object.is_dict() && !object.as_dict().is_namespace) ? &dict_methods()
                                                                                                         : nullptr;
  if (!table) return Value::undefined(name);
  auto it = table->find(name);
  if (it == table->end()) return Value::undefined(name);
  return bind(object, object.type_name() + "." + name, it->second);
}

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
                   throw TemplateError("the template raised an error: " + message, true);
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
