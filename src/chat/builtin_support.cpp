#include "chat/builtin_support.h"

#include <algorithm>
#include <cctype>

#include "chat/context.h"
#include "chat/template_error.h"

namespace hart::chat {
namespace {
bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

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
    check_size((s.size() + 1) * (to.size() + 1), "replace");
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
    check_size(out.size(), "replace");
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
Value items_of(const Value& v) {
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict()) throw TemplateError("items needs a dict, not '" + v.type_name() + "'");
  ValueList out;
  for (const auto& [k, x] : v.as_dict().items) out.push_back(Value::tuple({Value(k), x}));
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


}  // namespace hart::chat
