#pragma once
// Element types a tensor can hold.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

#include "gf/core/error.hpp"

namespace gf {

enum class DType : std::uint8_t {
  kFloat32,  // default: what models train in
  kFloat64,  // what gradcheck uses
  kInt64,    // labels and indices
};

inline constexpr std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
    case DType::kInt64: return 8;
  }
  return 0;
}

inline constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kInt64: return "int64";
  }
  return "?";
}

inline constexpr bool is_floating(DType t) { return t == DType::kFloat32 || t == DType::kFloat64; }

inline std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

/// Maps a C++ type to its DType: dtype_of<float> == DType::kFloat32.
template <typename T> inline constexpr DType dtype_of = DType::kFloat32;
template <> inline constexpr DType dtype_of<double> = DType::kFloat64;
template <> inline constexpr DType dtype_of<std::int64_t> = DType::kInt64;

}  // namespace gf

/// Picking by dtype, inside a kernel (picking the kernel by device is
/// kernels_on in src/dispatch.hpp): runs the body with `scalar_t` bound to
/// float or double according to `dtype`; throws for other dtypes, naming the op.
#define GF_DTYPE_DISPATCH_FLOATING(dtype, op_name, ...)                              \
  [&] {                                                                             \
    switch (dtype) {                                                                \
      case ::gf::DType::kFloat32: { using scalar_t = float; return __VA_ARGS__(); }  \
      case ::gf::DType::kFloat64: { using scalar_t = double; return __VA_ARGS__(); } \
      default:                                                                      \
        throw ::gf::Error(::gf::detail::concat(op_name, ": expected a floating dtype (float32/float64), got ", dtype)); \
    }                                                                               \
  }()

/// Like GF_DTYPE_DISPATCH_FLOATING but also accepts int64.
#define GF_DTYPE_DISPATCH_ALL(dtype, op_name, ...)                                   \
  [&] {                                                                             \
    switch (dtype) {                                                                \
      case ::gf::DType::kFloat32: { using scalar_t = float; return __VA_ARGS__(); }  \
      case ::gf::DType::kFloat64: { using scalar_t = double; return __VA_ARGS__(); } \
      case ::gf::DType::kInt64: { using scalar_t = std::int64_t; return __VA_ARGS__(); } \
    }                                                                               \
    throw ::gf::Error(::gf::detail::concat(op_name, ": unknown dtype"));           \
  }()
