#pragma once
// Checks shared by the ops of several files (src/ops/).
#include "gf/core/tensor.hpp"

namespace gf::detail {

/// `a` and `b` on one device with one dtype; otherwise a gf::Error naming `op`
/// and what differs.
inline void check_same_kind(const char* op, const Tensor& a, const Tensor& b) {
  GF_CHECK(a.device() == b.device(), op, ": inputs on different devices (", a.device(), " and ", b.device(), ")");
  GF_CHECK(a.dtype() == b.dtype(), op, ": inputs have different dtypes (", a.dtype(), " ", a.shape(), " and ",
           b.dtype(), " ", b.shape(), ")");
}

}  // namespace gf::detail
