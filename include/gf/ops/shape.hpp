#pragma once
// Ops that rearrange data: concatenation, stacking, padding.
// (Views -- reshape, permute, narrow, expand... -- are Tensor methods.)
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"
#include "gf/kernels/params.hpp"  // PadMode

namespace gf {

/// Joins tensors along an existing dim; other dims must match.
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
/// Joins same-shape tensors along a new dim.
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);

/// Pads the last two dims of an (N, C, H, W) or (C, H, W) tensor by
/// (left, right, top, bottom). Reflect mirrors without repeating the edge
/// (needs pad < size of that dim), like torch's "reflect".
Tensor pad2d(const Tensor& x, std::int64_t left, std::int64_t right, std::int64_t top, std::int64_t bottom,
             PadMode mode = PadMode::kZero);

/// Free-function form of Tensor::flatten.
inline Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1) {
  return x.flatten(start_dim, end_dim);
}

}  // namespace gf
