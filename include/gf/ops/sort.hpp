#pragma once
// Sorting along a dim, as torch.sort does it.
//
//   auto [values, indices] = gf::sort(x);          // ascending along the last dim
//   values[..., j] = x[..., indices[..., j]]
//
// Stable (equal values keep their order), NaNs last. Differentiable in x:
// sorting only moves values, so the gradient of values[..., j] goes back to
// x[..., indices[..., j]] unchanged (the backward "unsorts" it). The ranks are
// constants: where two values tie the gradient is one of the valid
// subgradients. The sliced Wasserstein loss of the style losses is built on it.
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf {

struct SortResult {
  Tensor values;   // like x
  Tensor indices;  // int64, like x
};

/// x sorted along `dim` (negative counts from the end).
SortResult sort(const Tensor& x, std::int64_t dim = -1, bool descending = false);

}  // namespace gf
