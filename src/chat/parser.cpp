// Recursive descent over the lexer's tokens, with Jinja's operator precedence (lowest
// first): `a if c else b`, or, and, not, comparisons and `in`, + -, ~, * / // %, **,
// unary - +, then postfix . [] () and the filters `|` and tests `is` (so `x|length > 0`
// filters before it compares, and `a + b|trim` trims only b).
#include <functional>

#include "chat/ast.h"
#include "chat/lexer.h"
#include "chat/template_error.h"

namespace hart::chat {
namespace {

constexpr int kMaxDepth = 200;  // nesting of expressions and blocks

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  std::unique_ptr<Program> program() {
    auto p = std::make_unique<Program>();
    std::string ended;
    p->body = body({}, ended, nullptr);
    return p;
  }

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
      if (++p.depth_ > kMaxDepth) p.fail(p.cur(), "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ~DepthGuard() { --p.depth_; }
  };

  // ---- statements ----

  // Statements up to a {% name %} with name in `ends` (consumed, up to the name).
  Body body(const std::vector<std::string>& ends, std::string& ended, const Token* opened_at) {
    DepthGuard guard(*this);
    Body out;
    while (true) {
      const Token& t = cur();
      switch (t.kind) {
        case Token::Kind::End:
          if (!ends.empty())
            fail(*opened_at, "this block is never closed: expected {% " + ends.back() + " %} before the end");
          return out;
        case Token::Kind::Text: {
          auto s = node<TextStmt>(t);
          s->text = next().text;
          out.push_back(std::move(s));
          break;
        }
        case Token::Kind::VarBegin: {
          next();
          auto s = node<OutputStmt>(t);
          s->expr = expression();
          if (cur().kind != Token::Kind::VarEnd) fail(cur(), "expected '}}', found " + describe(cur()));
          next();
          out.push_back(std::move(s));
          break;
        }
        case Token::Kind::BlockBegin: {
          next();
          const Token& name = cur();
          if (name.kind != Token::Kind::Name) fail(name, "expected a tag name after '{%', found " + describe(name));
          for (const auto& e : ends)
            if (name.text == e) {
              ended = next().text;
              return out;
            }
          out.push_back(statement());
          break;
        }
        default: fail(t, "unexpected " + describe(t));
      }
    }
  }

  StmtPtr statement() {
    const Token& at = cur();
    std::string tag = next().text;
    if (tag == "if") return if_statement(at);
    if (tag == "for") return for_statement(at);
    if (tag == "set") return set_statement(at);
    if (tag == "macro") return macro_statement(at);
    if (tag == "filter") return filter_statement(at);
    if (tag == "break" || tag == "continue") {
      auto s = node<LoopControlStmt>(at);
      s->is_break = tag == "break";
      expect_block_end(tag);
      return s;
    }
    if (tag == "generation") {  // Hugging Face's marker of assistant text: renders its body
      auto s = node<BlockStmt>(at);
      expect_block_end(tag);
      std::string ended;
      s->body = body({"endgeneration"}, ended, &at);
      expect_block_end(ended);
      return s;
    }
    static const char* const known_unsupported[] = {"include", "import", "from", "extends", "block", "call", "raw",
                                                   "with", "autoescape", "do"};
    for (const char* k : known_unsupported)
      if (tag == k) fail(at, "the tag {% " + tag + " %} is not supported in chat templates");
    if (tag.rfind("end", 0) == 0 || tag == "elif" || tag == "else") fail(at, "{% " + tag + " %} without a matching opening tag");
    fail(at, "unknown tag {% " + tag + " %}");
  }

  StmtPtr if_statement(const Token& at) {
    auto s = node<IfStmt>(at);
    ExprPtr cond = expression();
    expect_block_end("if");
    while (true) {
      std::string ended;
      Body b = body({"elif", "else", "endif"}, ended, &at);
      s->branches.emplace_back(std::move(cond), std::move(b));
      if (ended == "elif") {
        cond = expression();
        expect_block_end("elif");
        continue;
      }
      if (ended == "else") {
        expect_block_end("else");
        s->otherwise = body({"endif"}, ended, &at);
      }
      expect_block_end("endif");
      return s;
    }
  }

  StmtPtr for_statement(const Token& at) {
    auto s = node<ForStmt>(at);
    bool paren = skip_op("(");
    do s->targets.push_back(expect_name("a loop variable"));
    while (skip_op(","));
    if (paren) expect_op(")", "after the loop variables");
    if (!skip_name("in")) fail(cur(), "expected 'in' in {% for %}, found " + describe(cur()));
    s->iterable = or_expr();
    if (skip_name("if")) s->filter = or_expr();
    if (is_name("recursive")) fail(cur(), "recursive loops are not supported");
    expect_block_end("for");
    std::string ended;
    s->body = body({"else", "endfor"}, ended, &at);
    if (ended == "else") {
      expect_block_end("else");
      s->otherwise = body({"endfor"}, ended, &at);
    }
    expect_block_end("endfor");
    return s;
  }

  StmtPtr set_statement(const Token& at) {
    std::vector<std::string> targets;
    std::string attribute;
    do targets.push_back(expect_name("a variable name"));
    while (skip_op(","));
    if (targets.size() == 1 && skip_op(".")) attribute = expect_name("an attribute name");
    if (skip_op("=")) {
      auto s = node<SetStmt>(at);
      s->targets = std::move(targets);
      s->attribute = std::move(attribute);
      s->value = tuple_or_expression();
      expect_block_end("set");
      return s;
    }
    if (targets.size() != 1 || !attribute.empty()) fail(cur(), "expected '=' in {% set %}");
    auto s = node<SetBlockStmt>(at);
    s->target = targets[0];
    expect_block_end("set");
    std::string ended;
    s->body = body({"endset"}, ended, &at);
    expect_block_end("endset");
    return s;
  }

  StmtPtr macro_statement(const Token& at) {
    auto s = node<MacroStmt>(at);
    s->name = expect_name("a macro name");
    expect_op("(", "after the macro name");
    if (!is_op(")")) {
      do {
        std::string param = expect_name("a parameter name");
        ExprPtr def;
        if (skip_op("=")) def = expression();
        s->params.emplace_back(std::move(param), std::move(def));
      } while (skip_op(","));
    }
    expect_op(")", "after the macro parameters");
    expect_block_end("macro");
    std::string ended;
    s->body = body({"endmacro"}, ended, &at);
    expect_block_end("endmacro");
    return s;
  }

  StmtPtr filter_statement(const Token& at) {
    auto s = node<FilterBlockStmt>(at);
    do s->filters.push_back(filter_call(nullptr));
    while (skip_op("|"));
    expect_block_end("filter");
    std::string ended;
    s->body = body({"endfilter"}, ended, &at);
    expect_block_end("endfilter");
    return s;
  }

  // ---- expressions ----

  ExprPtr tuple_or_expression() {
    const Token& at = cur();
    ExprPtr first = expression();
    if (!is_op(",")) return first;
    auto list = node<ListExpr>(at);
    list->tuple = true;
    list->items.push_back(std::move(first));
    while (skip_op(",")) list->items.push_back(expression());
    return list;
  }

  ExprPtr expression() {
    DepthGuard guard(*this);
    const Token& at = cur();
    ExprPtr e = or_expr();
    while (skip_name("if")) {
      auto c = node<CondExpr>(at);
      c->then = std::move(e);
      c->cond = or_expr();
      if (skip_name("else")) c->otherwise = expression();
      e = std::move(c);
    }
    return e;
  }

  ExprPtr binary(const Token& at, std::string op, ExprPtr l, ExprPtr r) {
    auto b = node<BinaryExpr>(at);
    b->op = std::move(op);
    b->left = std::move(l);
    b->right = std::move(r);
    return b;
  }

  ExprPtr or_expr() {
    ExprPtr e = and_expr();
    while (is_name("or")) {
      const Token& at = next();
      e = binary(at, "or", std::move(e), and_expr());
    }
    return e;
  }
  ExprPtr and_expr() {
    ExprPtr e = not_expr();
    while (is_name("and")) {
      const Token& at = next();
      e = binary(at, "and", std::move(e), not_expr());
    }
    return e;
  }
  ExprPtr not_expr() {
    if (is_name("not")) {
      DepthGuard guard(*this);
      auto u = node<UnaryExpr>(next());
      u->op = "not";
      u->operand = not_expr();
      return u;
    }
    return compare();
  }
  ExprPtr compare() {
    ExprPtr e = math1();
    while (true) {
      const Token& at = cur();
      std::string op;
      if (at.kind == Token::Kind::Op &&
          (at.text == "==" || at.text == "!=" || at.text == "<" || at.text == ">" || at.text == "<=" || at.text == ">=")) {
        op = next().text;
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && i_ + 1 < t_.size() && t_[i_ + 1].kind == Token::Kind::Name && t_[i_ + 1].text == "in") {
        next();
        next();
        op = "not in";
      } else {
        return e;
      }
      e = binary(at, op, std::move(e), math1());
    }
  }
  ExprPtr left_assoc(const std::vector<const char*>& ops, ExprPtr (Parser::*operand)()) {
    ExprPtr e = (this->*operand)();
    while (true) {
      const char* found = nullptr;
      for (const char* op : ops)
        if (is_op(op)) found = op;
      if (!found) return e;
      const Token& at = next();
      e = binary(at, found, std::move(e), (this->*operand)());
    }
  }
  ExprPtr math1() { return left_assoc({"+", "-"}, &Parser::concat); }
  ExprPtr concat() { return left_assoc({"~"}, &Parser::math2); }
  ExprPtr math2() { return left_assoc({"*", "/", "//", "%"}, &Parser::power); }
  ExprPtr power() { return left_assoc({"**"}, &Parser::unary_with_filters); }
  ExprPtr unary_with_filters() { return unary(true); }

  ExprPtr unary(bool with_filter) {
    DepthGuard guard(*this);
    const Token& at = cur();
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      auto u = node<UnaryExpr>(at);
      u->op = next().text;
      u->operand = unary(false);
      e = std::move(u);
    } else {
      e = primary();
    }
    e = postfix(std::move(e));
    if (with_filter) e = filters_and_tests(std::move(e));
    return e;
  }

  ExprPtr primary() {
    const Token& at = cur();
    switch (at.kind) {
      case Token::Kind::Name: {
        const std::string& n = at.text;
        auto lit = node<Literal>(at);
        if (n == "true" || n == "True") lit->value = Value(true);
        else if (n == "false" || n == "False") lit->value = Value(false);
        else if (n == "none" || n == "None") lit->value = Value::none();
        else {
          auto name = node<NameExpr>(at);
          name->name = next().text;
          return name;
        }
        next();
        return lit;
      }
      case Token::Kind::String: {
        auto lit = node<Literal>(at);
        std::string s = next().text;
        while (cur().kind == Token::Kind::String) s += next().text;  // "a" "b" is "ab"
        lit->value = Value(std::move(s));
        return lit;
      }
      case Token::Kind::Int: {
        auto lit = node<Literal>(at);
        lit->value = Value(next().int_value);
        return lit;
      }
      case Token::Kind::Float: {
        auto lit = node<Literal>(at);
        lit->value = Value(next().float_value);
        return lit;
      }
      case Token::Kind::Op:
        if (skip_op("(")) {
          if (skip_op(")")) {  // ()
            auto empty = node<ListExpr>(at);
            empty->tuple = true;
            return empty;
          }
          ExprPtr first = expression();
          if (skip_op(")")) return first;
          auto list = node<ListExpr>(at);
          list->tuple = true;
          list->items.push_back(std::move(first));
          while (skip_op(",") && !is_op(")")) list->items.push_back(expression());
          expect_op(")", "to close '('");
          return list;
        }
        if (skip_op("[")) {
          auto list = node<ListExpr>(at);
          while (!is_op("]")) {
            list->items.push_back(expression());
            if (!skip_op(",")) break;
          }
          expect_op("]", "to close '['");
          return list;
        }
        if (skip_op("{")) {
          auto dict = node<DictExpr>(at);
          while (!is_op("}")) {
            ExprPtr k = expression();
            expect_op(":", "after a dict key");
            dict->items.emplace_back(std::move(k), expression());
            if (!skip_op(",")) break;
          }
          expect_op("}", "to close '{'");
          return dict;
        }
        [[fallthrough]];
      default: fail(at, "expected an expression, found " + describe(at));
    }
  }

  ExprPtr postfix(ExprPtr e) {
    while (true) {
      const Token& at = cur();
      if (skip_op(".")) {
        auto a = node<AttrExpr>(at);
        a->object = std::move(e);
        if (cur().kind == Token::Kind::Int) {  // x.0 is x[0]
          auto item = node<ItemExpr>(at);
          auto lit = node<Literal>(cur());
          lit->value = Value(next().int_value);
          item->object = std::move(a->object);
          item->index = std::move(lit);
          e = std::move(item);
          continue;
        }
        a->name = expect_name("an attribute name after '.'");
        e = std::move(a);
      } else if (skip_op("[")) {
        e = subscript(at, std::move(e));
      } else if (is_op("(")) {
        e = call(at, std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr subscript(const Token& at, ExprPtr object) {
    ExprPtr start;
    if (!is_op(":")) start = expression();
    if (skip_op("]")) {
      auto item = node<ItemExpr>(at);
      item->object = std::move(object);
      item->index = std::move(start);
      return item;
    }
    auto slice = node<SliceExpr>(at);
    slice->object = std::move(object);
    slice->start = std::move(start);
    expect_op(":", "in a subscript");
    if (!is_op(":") && !is_op("]")) slice->stop = expression();
    if (skip_op(":") && !is_op("]")) slice->step = expression();
    expect_op("]", "to close the subscript");
    return slice;
  }

  Arguments arguments() {
    Arguments args;
    expect_op("(", "to start the arguments");
    while (!is_op(")")) {
      if (cur().kind == Token::Kind::Name && i_ + 1 < t_.size() && t_[i_ + 1].kind == Token::Kind::Op &&
          t_[i_ + 1].text == "=") {
        std::string name = next().text;
        next();
        args.keyword.emplace_back(std::move(name), expression());
      } else {
        if (!args.keyword.empty()) fail(cur(), "a positional argument after keyword arguments");
        args.positional.push_back(expression());
      }
      if (!skip_op(",")) break;
    }
    expect_op(")", "to close the arguments");
    return args;
  }

  ExprPtr call(const Token& at, ExprPtr callee) {
    auto c = node<CallExpr>(at);
    c->callee = std::move(callee);
    c->args = arguments();
    return c;
  }

  std::unique_ptr<FilterExpr> filter_call(ExprPtr object) {
    auto f = node<FilterExpr>(cur());
    f->object = std::move(object);
    f->name = expect_name("a filter name");
    while (is_op(".") && i_ + 1 < t_.size() && t_[i_ + 1].kind == Token::Kind::Name) {
      next();
      f->name += "." + next().text;
    }
    if (is_op("(")) f->args = arguments();
    return f;
  }

  ExprPtr filters_and_tests(ExprPtr e) {
    while (true) {
      const Token& at = cur();
      if (skip_op("|")) {
        e = filter_call(std::move(e));
      } else if (skip_name("is")) {
        auto t = node<TestExpr>(at);
        t->object = std::move(e);
        t->negated = skip_name("not");
        t->name = expect_name("a test name after 'is'");
        if (is_op("(")) {
          t->args = arguments();
        } else if ((cur().kind == Token::Kind::Name || cur().kind == Token::Kind::String ||
                    cur().kind == Token::Kind::Int || cur().kind == Token::Kind::Float || is_op("[") || is_op("{")) &&
                   !is_name("else") && !is_name("or") && !is_name("and") && !is_name("is") && !is_name("if") &&
                   !is_name("in") && !is_name("not")) {
          t->args.positional.push_back(postfix(primary()));  // x is divisibleby 3
        }
        e = std::move(t);
      } else if (is_op("(")) {
        e = call(at, std::move(e));
      } else {
        return e;
      }
    }
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<Program> parse_template(const std::string& source) { return Parser(tokenize(source)).program(); }

}  // namespace hart::chat
