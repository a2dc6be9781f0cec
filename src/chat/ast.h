// The syntax tree of a template: expressions evaluate to values, statements write
// output. The parser (parser.cpp) builds it; each node's eval/run is in evaluator.cpp.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace hart::chat {

class Context;

struct Node {
  int line = 0, column = 0;
  virtual ~Node() = default;
};

struct Expr : Node {
  virtual Value eval(Context& ctx) const = 0;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Stmt : Node {
  virtual void run(Context& ctx) const = 0;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

// ---- expressions ----

struct Literal : Expr {
  Value value;
  Value eval(Context& ctx) const override;
};
struct ListExpr : Expr {  // [a, b] and (a, b)
  std::vector<ExprPtr> items;
  bool tuple = false;
  Value eval(Context& ctx) const override;
};
struct DictExpr : Expr {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
  Value eval(Context& ctx) const override;
};
struct NameExpr : Expr {
  std::string name;
  Value eval(Context& ctx) const override;
};
struct AttrExpr : Expr {  // obj.name
  ExprPtr object;
  std::string name;
  Value eval(Context& ctx) const override;
};
struct ItemExpr : Expr {  // obj[index]
  ExprPtr object, index;
  Value eval(Context& ctx) const override;
};
struct SliceExpr : Expr {  // obj[start:stop:step]
  ExprPtr object, start, stop, step;
  Value eval(Context& ctx) const override;
};
struct CallExpr : Expr {
  ExprPtr callee;
  Arguments args;
  Value eval(Context& ctx) const override;
};
struct FilterExpr : Expr {  // obj | name(args)
  ExprPtr object;
  std::string name;
  Arguments args;
  Value eval(Context& ctx) const override;
};
struct TestExpr : Expr {  // obj is [not] name(args)
  ExprPtr object;
  std::string name;
  Arguments args;
  bool negated = false;
  Value eval(Context& ctx) const override;
};
struct UnaryExpr : Expr {  // not, -, +
  std::string op;
  ExprPtr operand;
  Value eval(Context& ctx) const override;
};
struct BinaryExpr : Expr {  // or and == != < > <= >= in "not in" + - * / // % ** ~
  std::string op;
  ExprPtr left, right;
  Value eval(Context& ctx) const override;
};
struct CondExpr : Expr {  // then if cond else otherwise
  ExprPtr then, cond, otherwise;
  Value eval(Context& ctx) const override;
};

// ---- statements ----

struct TextStmt : Stmt {
  std::string text;
  void run(Context& ctx) const override;
};
struct OutputStmt : Stmt {
  ExprPtr expr;
  void run(Context& ctx) const override;
};
struct IfStmt : Stmt {
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body otherwise;
  void run(Context& ctx) const override;
};
struct ForStmt : Stmt {
  std::vector<std::string> targets;  // one name, or names to unpack each item into
  ExprPtr iterable, filter;
  Body body, otherwise;
  void run(Context& ctx) const override;
};
struct SetStmt : Stmt {  // set a = v; set a, b = v; set ns.attr = v
  std::vector<std::string> targets;
  std::string attribute;  // set targets[0].attribute = v
  ExprPtr value;
  void run(Context& ctx) const override;
};
struct SetBlockStmt : Stmt {  // set name %}...{% endset
  std::string target;
  Body body;
  void run(Context& ctx) const override;
};
struct MacroStmt : Stmt {
  std::string name;
  std::vector<std::pair<std::string, ExprPtr>> params;  // default may be null
  Body body;
  void run(Context& ctx) const override;
};
struct FilterBlockStmt : Stmt {  // filter name %}...{% endfilter
  std::vector<std::unique_ptr<FilterExpr>> filters;  // object unset: applied to the body's text
  Body body;
  void run(Context& ctx) const override;
};
struct BlockStmt : Stmt {  // generation %}...{% endgeneration: just its body
  Body body;
  void run(Context& ctx) const override;
};
struct LoopControlStmt : Stmt {  // break, continue
  bool is_break = false;
  void run(Context& ctx) const override;
};

struct Program {
  Body body;
};

// Parses a template; TemplateError naming the line, column and construct on bad input.
std::unique_ptr<Program> parse_template(const std::string& source);

}  // namespace hart::chat
