// Exception types that the bindings map onto Python's, and the check macro every boundary uses.
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace autocore {

// RuntimeError is std::runtime_error itself; the others derive from it so C++ callers can catch one type.
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct ValueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct IndexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Python's NotImplementedError is a RuntimeError too: an op a device backend does not provide yet.
struct NotImplementedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
using RuntimeError = std::runtime_error;

// Messages are built with std::string rather than iostreams: a GPU machine's build (GCC 13, Python 3.12) crashed
// inside libstdc++'s ostream integer formatting on the first error message, and strings need no locale at all.
// The output matches `ostream <<` for these types.
namespace message_detail {
inline void append(std::string& out, const std::string& part) { out += part; }
inline void append(std::string& out, const char* part) { out += part; }
inline void append(std::string& out, char part) { out += part; }
inline void append(std::string& out, bool part) { out += part ? '1' : '0'; }
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
void append(std::string& out, T part) {
  out += std::to_string(part);
}
template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
void append(std::string& out, T part) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(part));
  out += buffer;
}
}  // namespace message_detail

template <class Error = RuntimeError, class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::string message;
  (message_detail::append(message, parts), ...);
  throw Error(message);
}

}  // namespace autocore

// The message is only built when the check fails, so checks cost one branch on the hot path.
#define AC_CHECK(cond, Error, ...)                     \
  do {                                                 \
    if (!(cond)) ::autocore::fail<Error>(__VA_ARGS__); \
  } while (0)
