#pragma once
// Text to number for every place that reads numbers out of files, headers,
// metadata and options: the whole text must be one number, so "12abc", " 12"
// and "" are refused rather than read as 12 or 0 (what std::stoll and atoi do).
#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

namespace gf {

/// The value of `text` when all of it is one number of type T in std::from_chars's
/// grammar (decimal, optional '-' for signed and floating types, no '+', no
/// spaces; floating types also take "inf" and "nan", which callers that need a
/// finite value must refuse); nothing when it is not, or does not fit in T.
template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace gf
