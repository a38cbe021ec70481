#pragma once
// How the kernels of both backends see a tensor's memory: broadcast strides,
// dims merged where contiguous, (outer, k, inner) fibres, (N C) planes, the
// kept / reduced split of a reduction. Computed on the host, the same way for
// the CPU kernels (src/cpu/) and their CUDA twins (cuda/), so both walk the
// data in the same order.
#include <array>
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::kernels {

/// Strides to read `t` as if it had `out_shape` (NumPy broadcasting: 0 where stretched).
inline Shape broadcast_strides(const Tensor& t, const Shape& out_shape) {
  const std::size_t n = out_shape.size(), m = static_cast<std::size_t>(t.dim());
  Shape s(n, 0);
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t o = n - m + i;
    s[o] = t.shape()[i] == 1 && out_shape[o] != 1 ? 0 : t.strides()[i];
  }
  return s;
}

template <std::size_t K>
struct StridedLayout {
  Shape shape;                   // after merging; at least one dim
  std::array<Shape, K> strides;  // per operand, in elements
};

/// Drops size-1 dims and merges neighbours that are contiguous for all operands.
template <std::size_t K>
StridedLayout<K> coalesce(const Shape& shape, const std::array<Shape, K>& strides) {
  StridedLayout<K> out;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !out.shape.empty();
    for (std::size_t k = 0; k < K && merge; ++k) merge = out.strides[k].back() == strides[k][d] * shape[d];
    if (merge) {
      out.shape.back() *= shape[d];
      for (std::size_t k = 0; k < K; ++k) out.strides[k].back() = strides[k][d];
    } else {
      out.shape.push_back(shape[d]);
      for (std::size_t k = 0; k < K; ++k) out.strides[k].push_back(strides[k][d]);
    }
  }
  if (out.shape.empty()) {  // a single element
    out.shape.push_back(1);
    for (std::size_t k = 0; k < K; ++k) out.strides[k].push_back(1);
  }
  return out;
}

/// Sizes of one (N, C, H, W) input and its (N, C, Ho, Wo) output: `count` =
/// N*C planes of (h, w) inputs and (ho, wo) outputs.
struct Planes {
  std::int64_t count, h, w, ho, wo;
};

inline Planes planes_of(const Tensor& in, const Tensor& out) {
  return {in.size(0) * in.size(1), in.size(2), in.size(3), out.size(2), out.size(3)};
}

/// A shape seen as (outer, k, inner) around `dim`: the sizes of the dims
/// before it, of it, and after it.
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

/// x's dims split into the kept (outer) and the reduced (inner) groups, each
/// merged where contiguous: output element o reads x at kept offset o plus
/// reduced offsets 0 .. inner - 1.
struct ReduceLayout {
  StridedLayout<1> kept, reduced;
  std::int64_t outer = 1, inner = 1;
};
ReduceLayout split_dims(const Tensor& x, const std::vector<std::int64_t>& dims);

}  // namespace gf::kernels
