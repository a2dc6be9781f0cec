// The one error a chat template raises: a parse error, a runtime error (unknown filter,
// wrong type, a runaway loop) or the template's own raise_exception(). The message
// names the line and column in the template where it is known.
#pragma once
#include <string>

#include "util/error.h"

namespace hart::chat {

struct TemplateError : UsageError {
  explicit TemplateError(const std::string& message, bool located = false)
      : UsageError(message), located(located) {}
  bool located;  // the message already names a line and column
};

// "line L, column C: message".
[[noreturn]] void throw_at(int line, int column, const std::string& message);

}  // namespace hart::chat
