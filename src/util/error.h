// Errors the user sees. Every message names the thing at fault (a file, a model,
// a tensor, an option) and the problem, so it can be acted on without a debugger.
#pragma once
#include <stdexcept>
#include <string>

namespace hart {

// Base of all Hartonomous errors.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file is not what it claims to be (bad magic, truncated, offsets past the end, ...).
struct FormatError : Error {
  using Error::Error;
};

// Something the user asked for does not exist or conflicts (unknown model, name taken).
struct UsageError : Error {
  using Error::Error;
};

}  // namespace hart
