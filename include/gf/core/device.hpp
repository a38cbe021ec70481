#pragma once
// Where a tensor's memory lives.
#include <cstdint>
#include <ostream>
#include <string>

#include "gf/core/error.hpp"
#include "gf/core/parse_number.hpp"

namespace gf {

enum class DeviceType : std::uint8_t { kCPU, kCUDA };

struct Device {
  DeviceType type = DeviceType::kCPU;
  int index = 0;

  static constexpr Device cpu() { return {DeviceType::kCPU, 0}; }
  static constexpr Device cuda(int index = 0) { return {DeviceType::kCUDA, index}; }

  constexpr bool is_cpu() const { return type == DeviceType::kCPU; }
  constexpr bool is_cuda() const { return type == DeviceType::kCUDA; }
  constexpr bool operator==(const Device&) const = default;

  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

  /// Parses "cpu", "cuda" or "cuda:N" (what the examples' --device takes).
  static Device parse(const std::string& s) {
    if (s == "cpu") return cpu();
    if (s == "cuda") return cuda(0);
    if (s.rfind("cuda:", 0) == 0)
      if (const auto index = parse_number<int>(std::string_view(s).substr(5)); index && *index >= 0) return cuda(*index);
    throw Error("device: expected 'cpu', 'cuda' or 'cuda:N', got '" + s + "'");
  }
};

inline std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

}  // namespace gf
