#include "gf/core/memory_budget.hpp"

#include <cstdio>

#include "gf/core/error.hpp"
#include "gf/core/machine.hpp"

namespace gf {

void check_memory_budget(double need_bytes, const std::string& what, const std::string& hint, double budget_bytes) {
  const double budget = budget_bytes > 0 ? budget_bytes : kUsableMemoryShare * available_memory_bytes();
  GF_CHECK(budget <= 0 || need_bytes <= budget, what, " needs about ", format_bytes(need_bytes), ", ",
           format_bytes(budget), " are available; ", hint);
}

std::string format_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  for (; bytes >= 1024.0 && unit < 4; ++unit) bytes /= 1024.0;
  char text[32];
  std::snprintf(text, sizeof text, bytes < 100 && unit > 0 ? "%.1f %s" : "%.0f %s", bytes, units[unit]);
  return text;
}

}  // namespace gf
