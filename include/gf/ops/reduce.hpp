#pragma once
// Reductions. `dims` empty means all dims; keepdim keeps reduced dims as size 1.
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf {

Tensor sum(const Tensor& x);  // over all elements -> 0-D
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
/// Variance; unbiased divides by (n - 1), biased by n.
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased = true, bool keepdim = false);
/// Makes var(x, {0}) mean "along dim 0": without it a one-element brace list
/// would convert to the `bool unbiased` overload above.
inline Tensor var(const Tensor& x, std::initializer_list<std::int64_t> dims, bool unbiased = true,
                  bool keepdim = false) {
  return var(x, std::vector<std::int64_t>(dims), unbiased, keepdim);
}

/// Maximum along `dim`; the gradient flows to the (first) arg-max element.
Tensor max(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);  // over all elements -> 0-D
/// Index (int64) of the first maximum along `dim`; not differentiable.
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);  // over the flattened tensor -> 0-D

}  // namespace gf
