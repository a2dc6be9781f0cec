// Splits a template into text and the tokens of its {{ }} and {% %} tags, applying
// the whitespace rules Hugging Face renders chat templates with: trim_blocks (the
// newline after a block tag or comment goes), lstrip_blocks (spaces before a block
// tag on its own line go), the "-" markers ({%- -%} {{- -}}) that strip all
// whitespace on their side, "+" that keeps it, and one trailing newline of the
// template dropped (Jinja's keep_trailing_newline = false).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hart::chat {

struct Token {
  enum class Kind { Text, VarBegin, VarEnd, BlockBegin, BlockEnd, Name, String, Int, Float, Op, End };
  Kind kind;
  std::string text;  // Text: the text; Name/Op: the spelling; String: the decoded value
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1;
  int column = 1;
};

std::vector<Token> tokenize(const std::string& source);

}  // namespace hart::chat
