#pragma once
// The image functions accept one image (C, H, W) or a batch (N, C, H, W) and
// work on batches inside: these two helpers convert in and back out.
#include "gf/core/error.hpp"
#include "gf/core/tensor.hpp"

namespace gf::image::detail {

/// (C, H, W) -> (1, C, H, W); (N, C, H, W) unchanged; anything else throws naming `op`.
inline Tensor to_batch(const char* op, const Tensor& x) {
  GF_CHECK(x.dim() == 3 || x.dim() == 4, op, ": expected an image (C, H, W) or a batch (N, C, H, W), got shape ",
           x.shape());
  GF_CHECK(is_floating(x.dtype()), op, ": expected a float32 or float64 image, got ", x.dtype());
  return x.dim() == 3 ? x.unsqueeze(0) : x;
}

/// Undoes to_batch: a result computed on the batch of a 3-D `input` loses its batch dim.
inline Tensor like_input(const Tensor& result, const Tensor& input) {
  return input.dim() == 3 ? result.squeeze(0) : result;
}

}  // namespace gf::image::detail
