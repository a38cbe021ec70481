#pragma once
// CPU kernels that read or write one element per fibre along a dim, chosen by
// an int64 index: the forward of "pick the label's log-probability" and the
// backward of max (send the gradient to the arg-max).
//
// All tensors are contiguous. `x`/`out` of shape (outer, K, inner) pairs with
// `index` and the picked values of shape (outer, 1, inner), where K is the
// size of `dim`; every index must lie in [0, K).
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// A shape seen as (outer, k, inner) around `dim`: the sizes of the dims
/// before it, of it, and after it (shared with the CUDA twins).
struct Fibres {
  std::int64_t outer = 1, k = 1, inner = 1;
};

inline Fibres fibres_of(const Shape& full, std::int64_t dim) {
  Fibres f;
  for (std::int64_t d = 0; d < dim; ++d) f.outer *= full[static_cast<std::size_t>(d)];
  f.k = full[static_cast<std::size_t>(dim)];
  for (std::int64_t d = dim + 1; d < full.dim(); ++d) f.inner *= full[static_cast<std::size_t>(d)];
  return f;
}

/// out[o, 0, i] = x[o, index[o, 0, i], i]
void gather_dim(const Tensor& out, const Tensor& x, const Tensor& index, std::int64_t dim);

/// out[o, index[o, 0, i], i] += src[o, 0, i]   (out zero-filled by the caller)
void scatter_add_dim(const Tensor& out, const Tensor& src, const Tensor& index, std::int64_t dim);

}  // namespace gf::cpu
