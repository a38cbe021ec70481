#pragma once
// Embedding lookup: rows of a table chosen by int64 ids (class labels).
#include "gf/core/tensor.hpp"

namespace gf {

/// weight (K, D), labels (N,) int64 in [0, K), on weight's device ->
/// (N, D): row labels[n] of weight. The gradient adds each output row's
/// gradient into the row it came from (rows used twice get both).
Tensor embedding(const Tensor& weight, const Tensor& labels);

}  // namespace gf
