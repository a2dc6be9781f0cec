#include "chat/lexer.h"

#include <cctype>
#include <charconv>
#include <string_view>

#include "chat/template_error.h"
#include "util/utf8.h"

namespace hart::chat {

void throw_at(int line, int column, const std::string& message) {
  throw TemplateError("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message,
                      true);
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

class Lexer {
 public:
  explicit Lexer(std::string src) : src_(std::move(src)) {
    if (!src_.empty() && src_.back() == '\n') {
      src_.pop_back();
      if (!src_.empty() && src_.back() == '\r') src_.pop_back();
    }
  }

  std::vector<Token> run() {
    size_t text_start = 0;
    bool strip_next = false;  // the previous tag ended with "-"
    while (true) {
      size_t open = find_tag(text_start);
      std::string text = src_.substr(text_start, (open == std::string::npos ? src_.size() : open) - text_start);
      if (strip_next) {
        size_t k = 0;
        while (k < text.size() && is_space(text[k])) ++k;
        text.erase(0, k);
      }
      if (open == std::string::npos) {
        push_text(std::move(text), text_start);
        break;
      }
      char type = src_[open + 1];  // '{', '%' or '#'
      char marker = open + 2 < src_.size() ? src_[open + 2] : 0;
      if (marker == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (marker != '+' && type != '{') {
        lstrip_block(text, open);
      }
      push_text(std::move(text), text_start);
      size_t pos = open + 2 + (marker == '-' || marker == '+' ? 1 : 0);
      bool dash = false;
      if (type == '#') {
        size_t close = src_.find("#}", pos);
        if (close == std::string::npos) fail(open, "unclosed comment {# (no #} after it)");
        dash = close > pos && src_[close - 1] == '-';
        pos = close + 2;
      } else {
        pos = lex_tag(open, pos, type, dash);
      }
      if (!dash && type != '{' && pos < src_.size() && src_[pos] == '\n') ++pos;  // trim_blocks
      if (!dash && type != '{' && pos + 1 < src_.size() && src_[pos] == '\r' && src_[pos + 1] == '\n') pos += 2;
      strip_next = dash;
      text_start = pos;
    }
    Token end{Token::Kind::End, "", 0, 0, 0, 0};
    position(src_.size(), end);
    out_.push_back(end);
    return std::move(out_);
  }

 private:
  size_t find_tag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos && i + 1 < src_.size(); i = src_.find('{', i + 1)) {
      char c = src_[i + 1];
      if (c == '{' || c == '%' || c == '#') return i;
    }
    return std::string::npos;
  }

  // lstrip_blocks: spaces and tabs between the start of the line and a block tag go.
  void lstrip_block(std::string& text, size_t open) const {
    size_t p = open;
    size_t n = 0;
    while (p > 0 && n < text.size() && (src_[p - 1] == ' ' || src_[p - 1] == '\t')) --p, ++n;
    if (n == 0) return;
    if (p == 0 || src_[p - 1] == '\n') text.resize(text.size() - n);
  }

  void push_text(std::string text, size_t at) {
    if (text.empty()) return;
    Token t{Token::Kind::Text, std::move(text)};
    position(at, t);
    out_.push_back(std::move(t));
  }

  // Positions are asked for in increasing order, so counting resumes where it stopped.
  void position(size_t at, Token& t) const {
    if (at < pos_at_) pos_at_ = 0, pos_line_ = 1, pos_column_ = 1;
    for (; pos_at_ < at && pos_at_ < src_.size(); ++pos_at_) {
      if (src_[pos_at_] == '\n') {
        ++pos_line_;
        pos_column_ = 1;
      } else if ((static_cast<unsigned char>(src_[pos_at_]) & 0xC0) != 0x80) {
        ++pos_column_;
      }
    }
    t.line = pos_line_;
    t.column = pos_column_;
  }

  [[noreturn]] void fail(size_t at, const std::string& message) const {
    Token t;
    position(at, t);
    throw_at(t.line, t.column, message);
  }

  void push(Token::Kind kind, std::string text, size_t at) {
    Token t{kind, std::move(text)};
    position(at, t);
    out_.push_back(std::move(t));
  }

  // The tokens of a {{ }} or {% %} tag from `pos`; returns the position after its end.
  size_t lex_tag(size_t open, size_t pos, char type, bool& dash) {
    push(type == '{' ? Token::Kind::VarBegin : Token::Kind::BlockBegin, "", open);
    const std::string_view close = type == '{' ? "}}" : "%}";
    int depth = 0;  // open brackets: "}}" inside a dict literal is not the end
    while (true) {
      while (pos < src_.size() && is_space(src_[pos])) ++pos;
      if (pos >= src_.size()) fail(open, std::string("unclosed tag ") + (type == '{' ? "{{" : "{%") + " (no " +
                                             std::string(close) + " after it)");
      std::string_view rest = std::string_view(src_).substr(pos);
      if (depth == 0 && rest.size() >= 3 && rest[0] == '-' && rest.substr(1, 2) == close) {
        dash = true;
        push(type == '{' ? Token::Kind::VarEnd : Token::Kind::BlockEnd, "", pos);
        return pos + 3;
      }
      if (depth == 0 && (rest.substr(0, 2) == close || (rest[0] == '+' && rest.substr(1, 2) == close))) {
        push(type == '{' ? Token::Kind::VarEnd : Token::Kind::BlockEnd, "", pos);
        return pos + (rest[0] == '+' ? 3 : 2);
      }
      char c = rest[0];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t n = 1;
        while (n < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[n])) || rest[n] == '_')) ++n;
        push(Token::Kind::Name, std::string(rest.substr(0, n)), pos);
        pos += n;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        pos = lex_number(pos);
      } else if (c == '\'' || c == '"') {
        pos = lex_string(pos);
      } else {
        static const char* const ops[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~",
                                          "<",  ">",  "(",  ")",  "[",  "]",  "{", "}", ",", ".", ":", "|", "="};
        const char* found = nullptr;
        for (const char* op : ops)
          if (rest.substr(0, std::char_traits<char>::length(op)) == op) {
            found = op;
            break;
          }
        if (!found) fail(pos, std::string("unexpected character '") + c + "' in a tag");
        std::string op = found;
        if (op == "(" || op == "[" || op == "{") ++depth;
        if ((op == ")" || op == "]" || op == "}") && depth > 0) --depth;
        push(Token::Kind::Op, op, pos);
        pos += op.size();
      }
    }
  }

  size_t lex_number(size_t pos) {
    size_t end = pos;
    bool is_float = false;
    while (end < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[end])) || src_[end] == '_')) ++end;
    if (end + 1 < src_.size() && src_[end] == '.' && std::isdigit(static_cast<unsigned char>(src_[end + 1]))) {
      is_float = true;
      ++end;
      while (end < src_.size() && std::isdigit(static_cast<unsigned char>(src_[end]))) ++end;
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t e = end + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      if (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) {
        is_float = true;
        end = e;
        while (end < src_.size() && std::isdigit(static_cast<unsigned char>(src_[end]))) ++end;
      }
    }
    std::string text;
    for (size_t i = pos; i < end; ++i)
      if (src_[i] != '_') text += src_[i];
    Token t{is_float ? Token::Kind::Float : Token::Kind::Int, text};
    position(pos, t);
    if (is_float) {
      t.float_value = std::strtod(text.c_str(), nullptr);
    } else {
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), t.int_value);
      if (ec != std::errc()) fail(pos, "integer literal " + text + " is out of range");
    }
    out_.push_back(std::move(t));
    return end;
  }

  size_t lex_string(size_t pos) {
    char quote = src_[pos];
    std::string value;
    size_t i = pos + 1;
    while (true) {
      if (i >= src_.size()) fail(pos, "unterminated string literal");
      char c = src_[i];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++i;
        continue;
      }
      if (i + 1 >= src_.size()) fail(pos, "unterminated string literal");
      char e = src_[i + 1];
      i += 2;
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case '0': value += '\0'; break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case '\n': break;
        case 'x':
        case 'u':
        case 'U': {
          size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          if (i + n > src_.size()) fail(pos, std::string("truncated \\") + e + " escape");
          auto [p, ec] = std::from_chars(src_.data() + i, src_.data() + i + n, cp, 16);
          if (ec != std::errc() || p != src_.data() + i + n) fail(i, std::string("bad \\") + e + " escape");
          append_utf8(value, cp > 0x10FFFF ? kReplacement : cp);
          i += n;
          break;
        }
        default:  // Python keeps unknown escapes as written
          value += '\\';
          value += e;
      }
    }
    Token t{Token::Kind::String, std::move(value)};
    position(pos, t);
    out_.push_back(std::move(t));
    return i + 1;
  }

  std::string src_;
  std::vector<Token> out_;
  mutable size_t pos_at_ = 0;
  mutable int pos_line_ = 1, pos_column_ = 1;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source) { return Lexer(source).run(); }

}  // namespace hart::chat
