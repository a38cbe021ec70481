// Axis ticks for the charts: "nice" values, 1, 2 or 5 times a power of ten,
// so labels read 0, 0.5, 1.0, 1.5 rather than 0, 0.4375, 0.875.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gf/core/error.hpp"
#include "gf/io/plot.hpp"

namespace gf::io {
namespace {

// Slack for values that land a rounding error away from a multiple of the step.
constexpr double kEps = 1e-9;

// The smallest 1, 2 or 5 x 10^k that is >= raw (raw > 0).
double nice_step_at_least(double raw) {
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double mantissa : {1.0, 2.0, 5.0})
    if (mantissa * decade >= raw * (1 - kEps)) return mantissa * decade;
  return 10.0 * decade;
}

// The nice step after `step`: 1 -> 2 -> 5 -> 10 (times the same power of ten).
double next_nice_step(double step) { return nice_step_at_least(step * (1 + 1e-6)); }

// Multiples of `step` from lo up to hi (both multiples of step themselves).
std::vector<double> multiples(double lo, double hi, double step) {
  std::vector<double> ticks;
  const auto first = static_cast<long long>(std::llround(lo / step));
  const auto last = static_cast<long long>(std::llround(hi / step));
  // k * step rather than a running sum, so errors do not accumulate.
  for (long long k = first; k <= last; ++k) ticks.push_back(static_cast<double>(k) * step);
  return ticks;
}

// Ticks this fine or this coarse are written in scientific notation: "5e-5", "2e5".
bool needs_scientific(double step) { return step > 0 && (step < 1e-4 || step >= 1e5); }

// `value` written with the digits that tell multiples of `step` apart.
std::string format_tick(double value, double step, bool scientific) {
  if (std::abs(value) < step * 1e-6) value = 0;  // 3 * 0.1 - 0.3 is 0 on an axis, not -5.6e-17
  char buffer[64];
  if (scientific) {
    if (value == 0) return "0";
    // Mantissa digits down to the step's leading digit (nice steps have one): "1.5e-4".
    const int exponent = static_cast<int>(std::floor(std::log10(std::abs(value)) + kEps));
    const int digits = std::clamp(exponent - static_cast<int>(std::floor(std::log10(step) + kEps)), 0, 6);
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value / std::pow(10.0, exponent));
    // Short forms: no trailing zeros in the mantissa, no '+' or leading zeros in the exponent.
    std::string mantissa = buffer;
    if (mantissa.find('.') != std::string::npos) {
      while (mantissa.back() == '0') mantissa.pop_back();
      if (mantissa.back() == '.') mantissa.pop_back();
    }
    return mantissa + "e" + std::to_string(exponent);
  }
  // The decimals that multiples of `step` need: 0 for 1, 2, 5, 10; 1 for 0.5 or 2.5; 2 for 0.25 ...
  int decimals = 0;
  for (double scaled = step; decimals < 10 && std::abs(scaled - std::round(scaled)) > kEps * scaled; scaled *= 10)
    ++decimals;
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// Log-axis ticks are each labelled with their own digits (0.001, 0.01, 0.1, 1,
// 10), all in scientific notation when either end needs it.
void label_each_by_itself(AxisTicks& t) {
  const bool scientific = needs_scientific(t.ticks.front()) || needs_scientific(t.ticks.back());
  for (const double v : t.ticks) t.labels.push_back(format_tick(v, v, scientific));
}

}  // namespace

AxisTicks nice_ticks(double lo, double hi, int max_ticks) {
  // Three ticks always suffice (-step, 0, step for a range around 0); two may not.
  GF_CHECK(max_ticks >= 3, "nice_ticks: max_ticks must be at least 3, got ", max_ticks);
  GF_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi, "nice_ticks: expected finite lo <= hi, got [", lo,
           ", ", hi, "]");
  // A single value (a constant curve) gets a range around it: +-10% of it, or +-1 around 0.
  if (hi - lo <= kEps * std::max(std::abs(lo), std::abs(hi))) {
    const double half = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
    lo -= half, hi += half;
  }
  double step = nice_step_at_least((hi - lo) / (max_ticks - 1));
  for (;;) {
    const double first = std::floor(lo / step + kEps) * step, last = std::ceil(hi / step - kEps) * step;
    if (std::llround((last - first) / step) + 1 <= max_ticks) {
      AxisTicks t{first, last, step, multiples(first, last, step), {}};
      for (const double v : t.ticks) t.labels.push_back(format_tick(v, step, needs_scientific(step)));
      return t;
    }
    step = next_nice_step(step);
  }
}

AxisTicks log_ticks(double lo, double hi, int max_ticks) {
  GF_CHECK(max_ticks >= 3, "log_ticks: max_ticks must be at least 3, got ", max_ticks);
  GF_CHECK(std::isfinite(lo) && std::isfinite(hi) && 0 < lo && lo <= hi,
           "log_ticks: expected finite 0 < lo <= hi, got [", lo, ", ", hi, "]");
  const double e_lo = std::log10(lo), e_hi = std::log10(hi);

  // Up to two decades: 1, 2 and 5 times powers of ten, evenly spread on a log
  // axis (0.2, 0.5, 1, 2), the range grown to the nearest of them, when that
  // gives at least 3 ticks. Each is labelled with its own decimals.
  if (e_hi - e_lo < 2) {
    std::vector<double> candidates;  // ascending, from below lo to above hi
    for (double e = std::floor(e_lo) - 1; e <= std::ceil(e_hi); ++e)
      for (const double mantissa : {1.0, 2.0, 5.0}) candidates.push_back(mantissa * std::pow(10.0, e));
    const auto first = std::prev(std::upper_bound(candidates.begin(), candidates.end(), lo * (1 + kEps)));
    const auto last = std::lower_bound(candidates.begin(), candidates.end(), hi * (1 - kEps));
    const auto count = std::distance(first, last) + 1;
    if (count >= 3 && count <= max_ticks) {
      AxisTicks t{*first, *last, 0.0, {first, last + 1}, {}};
      label_each_by_itself(t);
      return t;
    }
  }
  if (e_hi - e_lo < 1 - kEps) {
    // Too narrow for those: ordinary ticks, kept above 0.
    const AxisTicks t = nice_ticks(lo, hi, max_ticks);
    return t.lo > 0 ? t : clip_ticks(t, lo, t.hi);
  }
  // Whole decades, every `every`-th one so at most max_ticks remain.
  const double d_lo = std::floor(e_lo + kEps), d_hi = std::ceil(e_hi - kEps);
  double every = 1;
  while (std::ceil(d_hi / every - kEps) - std::floor(d_lo / every + kEps) + 1 > max_ticks) every = next_nice_step(every);
  const double first = std::floor(d_lo / every + kEps) * every, last = std::ceil(d_hi / every - kEps) * every;
  AxisTicks t{std::pow(10.0, first), std::pow(10.0, last), every, {}, {}};
  for (const double e : multiples(first, last, every)) t.ticks.push_back(std::pow(10.0, e));
  label_each_by_itself(t);
  return t;
}

AxisTicks clip_ticks(AxisTicks t, double lo, double hi) {
  AxisTicks out{lo, hi, t.step, {}, {}};
  const double slack = kEps * std::max({std::abs(lo), std::abs(hi), hi - lo});
  for (std::size_t i = 0; i < t.ticks.size(); ++i)
    if (t.ticks[i] >= lo - slack && t.ticks[i] <= hi + slack) {
      out.ticks.push_back(t.ticks[i]);
      out.labels.push_back(t.labels[i]);
    }
  return out;
}

std::string tick_label(double value, double step) {
  step = std::abs(step);
  return format_tick(value, step, needs_scientific(step));
}

}  // namespace gf::io
