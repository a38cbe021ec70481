#pragma once
// Refusing work that cannot fit in memory before allocating it. A program
// estimates what its options imply (an image size, a batch of crops) and asks
// here first, so the user gets the estimate, what is available and a way out
// instead of an "out of memory" halfway through.
//
//   check_memory_budget(need, "stylising 8000x6000", "use --tile 512 or a smaller --size");
//   // throws: stylising 8000x6000 needs about 182 GiB, 12.4 GiB are available; use --tile 512 ...
#include <string>

namespace gf {

/// The share of available memory a program plans to use: the rest stays with
/// the system, the other processes and the estimate's error.
inline constexpr double kUsableMemoryShare = 0.8;

/// Throws gf::Error "<what> needs about N GiB, M GiB are available; <hint>"
/// when `need_bytes` exceeds `budget_bytes`; a budget of 0 means
/// kUsableMemoryShare of available_memory_bytes(). Passes when no budget is
/// known (no /proc/meminfo): the allocation itself is then the only check.
void check_memory_budget(double need_bytes, const std::string& what, const std::string& hint, double budget_bytes = 0);

/// A byte count for people: "640 KiB", "97.7 MiB", "3.2 GiB" (one decimal
/// below 100, so an estimate and a budget close together read apart).
std::string format_bytes(double bytes);

}  // namespace gf
