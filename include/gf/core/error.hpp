#pragma once
// gf::Error and the checking macro every layer uses.
//
// Messages name the operation, the offending shapes/values and what was
// expected, e.g. "conv2d: weight has 3 input channels, input has 4".
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gf {

/// Base of every exception ganforge throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
// Streams all arguments into one string: concat("got ", 3, " dims").
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
// The items one after another with `separator` between: join({"a", "b"}) is "a, b".
inline std::string join(const std::vector<std::string>& items, const std::string& separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}
}  // namespace detail

}  // namespace gf

/// Throws gf::Error with the streamed message when `cond` is false.
///   GF_CHECK(x.dim() == 4, "conv2d: input must be 4-D (N, C, H, W), got ", x.shape());
#define GF_CHECK(cond, ...)                                   \
  do {                                                        \
    if (!(cond)) throw ::gf::Error(::gf::detail::concat(__VA_ARGS__)); \
  } while (0)
