// The statements of a template: text, {{ }}, and the {% %} tags (if, for, set, macro,
// filter, generation, break/continue); an unknown or unsupported tag is an error
// naming it, an unclosed block names where it opened.
#include "chat/parser.h"

namespace hart::chat {

std::unique_ptr<Program> Parser::program() {
  auto p = std::make_unique<Program>();
  std::string ended;
  p->body = body({}, ended, nullptr);
  return p;
}

Body Parser::body(const std::vector<std::string>& ends, std::string& ended, const Token* opened_at) {
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

StmtPtr Parser::statement() {
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

StmtPtr Parser::if_statement(const Token& at) {
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

StmtPtr Parser::for_statement(const Token& at) {
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

StmtPtr Parser::set_statement(const Token& at) {
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

StmtPtr Parser::macro_statement(const Token& at) {
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

StmtPtr Parser::filter_statement(const Token& at) {
  auto s = node<FilterBlockStmt>(at);
  do s->filters.push_back(filter_call(nullptr));
  while (skip_op("|"));
  expect_block_end("filter");
  std::string ended;
  s->body = body({"endfilter"}, ended, &at);
  expect_block_end("endfilter");
  return s;
}

std::unique_ptr<Program> parse_template(const std::string& source) { return Parser(tokenize(source)).program(); }

}  // namespace hart::chat
