#pragma once
// Bounds for the example programs' numeric options. CLI11 checks them while it
// parses the command line, before any work starts, and refuses a value outside
// by naming the option and what it allows:
//
//   app.add_option("--epochs", o.epochs, "passes over the data")->check(gf::cli::in_range(1, 100000));
//   $ dcgan_train --epochs -3
//   --epochs: -3 is not in [1, 100000]
//
// CLI11's own Range and PositiveNumber do the same but print their bounds with
// std::to_string ("0.000000", or the 309 digits of the largest double), and
// let NaN through.
#include <CLI/CLI.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

namespace gf::cli {

/// A validator that parses the value as T and accepts it when `accepts(value)`;
/// `description` says what is allowed ("in [1, 100000]", "> 0") in --help and
/// in the error.
template <typename T, typename Accepts>
CLI::Validator number_check(const std::string& description, Accepts accepts) {
  return CLI::Validator(
      [description, accepts](std::string& input) -> std::string {
        const std::string kind = std::is_integral_v<T> ? "a whole number " : "a number ";
        T value{};
        if (!CLI::detail::lexical_cast(input, value)) return input + " is not " + kind + description;
        // Written so that NaN, which fails every comparison, is refused.
        return std::isfinite(static_cast<double>(value)) && accepts(value) ? std::string()
                                                                           : input + " is not " + description;
      },
      description);
}

/// A number in [min, max], both included. Whole-number bounds make a
/// whole-number check, read as 64 bits so that a huge value is called out of
/// range rather than unreadable.
template <typename T>
CLI::Validator in_range(T min, T max) {
  using Value = std::conditional_t<std::is_integral_v<T>, long long, double>;
  std::ostringstream description;
  description << "in [" << min << ", " << max << "]";
  return number_check<Value>(description.str(), [min, max](Value value) { return value >= min && value <= max; });
}

/// A number > 0: a learning rate, a blur's sigma.
inline CLI::Validator positive() {
  return number_check<double>("> 0", [](double value) { return value > 0; });
}

/// A number >= 0: a loss weight, a strength where 0 turns something off.
inline CLI::Validator non_negative() {
  return number_check<double>(">= 0", [](double value) { return value >= 0; });
}

}  // namespace gf::cli
