// The parser of chat templates: recursive descent over the lexer's tokens, with
// Jinja's operator precedence (lowest first): `a if c else b`, or, and, not,
// comparisons and `in`, + -, ~, * / // %, **, unary - +, then postfix . [] () and the
// filters `|` and tests `is` (so `x|length > 0` filters before it compares, and
// `a + b|trim` trims only b). Statements: parse_statements.cpp; expressions:
// parse_expressions.cpp. Internal to chat/: ast.h's parse_template is the entry.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "chat/ast.h"
#include "chat/lexer.h"
#include "chat/template_error.h"

namespace hart::chat {

inline constexpr int kMaxParseDepth = 200;  // nesting of expressions and blocks

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}
  std::unique_ptr<Program> program();

 private:
  // ---- token helpers ----
  const Token& cur() const { return t_[i_]; }
  const Token& next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool is_op(const char* op) const { return cur().kind == Token::Kind::Op && cur().text == op; }
  bool is_name(const char* name) const { return cur().kind == Token::Kind::Name && cur().text == name; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(const Token& at, const std::string& message) const { throw_at(at.line, at.column, message); }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::Text: return "text";
      case Token::Kind::VarBegin: return "'{{'";
      case Token::Kind::VarEnd: return "'}}'";
      case Token::Kind::BlockBegin: return "'{%'";
      case Token::Kind::BlockEnd: return "'%}'";
      case Token::Kind::String: return "a string";
      case Token::Kind::Int:
      case Token::Kind::Float: return "the number " + t.text;
      case Token::Kind::End: return "the end of the template";
      default: return "'" + t.text + "'";
    }
  }
  void expect_op(const char* op, const char* where) {
    if (!skip_op(op)) fail(cur(), std::string("expected '") + op + "' " + where + ", found " + describe(cur()));
  }
  std::string expect_name(const char* what) {
    if (cur().kind != Token::Kind::Name) fail(cur(), std::string("expected ") + what + ", found " + describe(cur()));
    return next().text;
  }
  void expect_block_end(const std::string& tag) {
    if (cur().kind != Token::Kind::BlockEnd)
      fail(cur(), "expected '%}' to end {% " + tag + " %}, found " + describe(cur()));
    next();
  }
  template <class N>
  std::unique_ptr<N> node(const Token& at) {
    auto n = std::make_unique<N>();
    n->line = at.line;
    n->column = at.column;
    return n;
  }
  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxParseDepth) p.fail(p.cur(), "nesting deeper than " + std::to_string(kMaxParseDepth) + " levels");
    }
    ~DepthGuard() { --p.depth_; }
  };


  // ---- statements (parse_statements.cpp) ----

  // Statements up to a {% name %} with name in `ends` (consumed, up to the name).
  Body body(const std::vector<std::string>& ends, std::string& ended, const Token* opened_at);
  StmtPtr statement();
  StmtPtr if_statement(const Token& at);
  StmtPtr for_statement(const Token& at);
  StmtPtr set_statement(const Token& at);
  StmtPtr macro_statement(const Token& at);
  StmtPtr filter_statement(const Token& at);

  // ---- expressions (parse_expressions.cpp) ----

  ExprPtr tuple_or_expression();
  ExprPtr expression();
  ExprPtr binary(const Token& at, std::string op, ExprPtr l, ExprPtr r);
  ExprPtr or_expr();
  ExprPtr and_expr();
  ExprPtr not_expr();
  ExprPtr compare();
  ExprPtr left_assoc(const std::vector<const char*>& ops, ExprPtr (Parser::*operand)());
  ExprPtr unary(bool with_filter);
  ExprPtr primary();
  ExprPtr postfix(ExprPtr e);
  ExprPtr subscript(const Token& at, ExprPtr object);
  Arguments arguments();
  ExprPtr call(const Token& at, ExprPtr callee);
  std::unique_ptr<FilterExpr> filter_call(ExprPtr object);
  ExprPtr filters_and_tests(ExprPtr e);
  ExprPtr math1() { return left_assoc({"+", "-"}, &Parser::concat); }
  ExprPtr concat() { return left_assoc({"~"}, &Parser::math2); }
  ExprPtr math2() { return left_assoc({"*", "/", "//", "%"}, &Parser::power); }
  ExprPtr power() { return left_assoc({"**"}, &Parser::unary_with_filters); }
  ExprPtr unary_with_filters() { return unary(true); }


  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace hart::chat
