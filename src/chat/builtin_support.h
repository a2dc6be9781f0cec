// What the filters, tests, methods and globals share: their arguments (positional or by
// keyword, with the function's name in errors) and Python's str operations.
#pragma once
#include <cstdint>
#include <string>

#include "chat/value.h"

namespace hart::chat {

// The argument at `i` or named `name`; a TemplateError naming `fn` if missing.
const Value& arg(const CallArgs& a, size_t i, const char* name, const char* fn);
Value arg_or(const CallArgs& a, size_t i, const char* name, Value def);
std::string string_arg(const CallArgs& a, size_t i, const char* name, const char* fn);
const std::string& need_string(const Value& v, const char* fn);
inline bool is_int(const Value& v) { return v.kind() == Value::Kind::Int; }

// Python's str.strip family: whitespace, or any of the code points of `chars`.
std::string strip(const std::string& s, const Value* chars, bool left, bool right);
// str.replace; count < 0: all.
std::string replace_all(const std::string& s, const std::string& from, const std::string& to, int64_t count);
// str.split: on runs of whitespace when `sep` is null or none; maxsplit < 0: no limit.
ValueList split(const std::string& s, const Value* sep, int64_t maxsplit);
std::string title_case(const std::string& s, bool only_first);  // title(), capitalize()
std::string lower(std::string s);
std::string upper(std::string s);
std::string html_escape(const std::string& s);

// A dotted attribute path ("function.name") or an integer index of `item`.
Value attribute_of(const Value& item, const Value& path);
Value items_of(const Value& dict);  // [(key, value), ...]
int64_t length_of(const Value& v);

}  // namespace hart::chat
