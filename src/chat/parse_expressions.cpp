// The expressions of a template, one method per precedence level (parser.h).
#include "chat/parser.h"

namespace hart::chat {

ExprPtr Parser::tuple_or_expression() {
  const Token& at = cur();
  ExprPtr first = expression();
  if (!is_op(",")) return first;
  auto list = node<ListExpr>(at);
  list->tuple = true;
  list->items.push_back(std::move(first));
  while (skip_op(",")) list->items.push_back(expression());
  return list;
}

ExprPtr Parser::expression() {
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

ExprPtr Parser::binary(const Token& at, std::string op, ExprPtr l, ExprPtr r) {
  auto b = node<BinaryExpr>(at);
  b->op = std::move(op);
  b->left = std::move(l);
  b->right = std::move(r);
  return b;
}

ExprPtr Parser::or_expr() {
  ExprPtr e = and_expr();
  while (is_name("or")) {
    const Token& at = next();
    e = binary(at, "or", std::move(e), and_expr());
  }
  return e;
}

ExprPtr Parser::and_expr() {
  ExprPtr e = not_expr();
  while (is_name("and")) {
    const Token& at = next();
    e = binary(at, "and", std::move(e), not_expr());
  }
  return e;
}

ExprPtr Parser::not_expr() {
  if (is_name("not")) {
    DepthGuard guard(*this);
    auto u = node<UnaryExpr>(next());
    u->op = "not";
    u->operand = not_expr();
    return u;
  }
  return compare();
}

ExprPtr Parser::compare() {
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

ExprPtr Parser::left_assoc(const std::vector<const char*>& ops, ExprPtr (Parser::*operand)()) {
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

ExprPtr Parser::unary(bool with_filter) {
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

ExprPtr Parser::primary() {
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

ExprPtr Parser::postfix(ExprPtr e) {
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

ExprPtr Parser::subscript(const Token& at, ExprPtr object) {
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

Arguments Parser::arguments() {
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

ExprPtr Parser::call(const Token& at, ExprPtr callee) {
  auto c = node<CallExpr>(at);
  c->callee = std::move(callee);
  c->args = arguments();
  return c;
}

std::unique_ptr<FilterExpr> Parser::filter_call(ExprPtr object) {
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

ExprPtr Parser::filters_and_tests(ExprPtr e) {
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

}  // namespace hart::chat
