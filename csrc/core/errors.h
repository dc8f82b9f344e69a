// Exception types that the bindings map onto Python's, and the check macro every boundary uses.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace autocore {

// RuntimeError is std::runtime_error itself; the others derive from it so C++ callers can catch one type.
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };
// Python's NotImplementedError is a RuntimeError too: an op a device backend does not provide yet.
struct NotImplementedError : std::runtime_error { using std::runtime_error::runtime_error; };
using RuntimeError = std::runtime_error;

template <class Error = RuntimeError, class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(message.str());
}

}  // namespace autocore

// The message is only built when the check fails, so checks cost one branch on the hot path.
#define AC_CHECK(cond, Error, ...)                          \
  do {                                                      \
    if (!(cond)) ::autocore::fail<Error>(__VA_ARGS__);      \
  } while (0)
