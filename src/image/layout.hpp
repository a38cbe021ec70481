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

/// One RGB picture, (3, H, W) or (1, 3, H, W), as a contiguous float32 (3, H, W)
/// tensor on the CPU, for the finishing steps that work pixel by pixel there;
/// anything else throws naming `op` and `what` the picture is ("result", "style picture").
inline Tensor cpu_rgb_picture(const char* op, const Tensor& x, const char* what) {
  const Tensor batch = to_batch(op, x);
  GF_CHECK(batch.size(0) == 1 && batch.size(1) == 3, op, ": expected an RGB ", what, " (3, H, W) or (1, 3, H, W), got ",
           x.shape());
  return batch.select(0, 0).to(Device::cpu()).to(DType::kFloat32).contiguous();
}

/// Undoes to_batch: a result computed on the batch of a 3-D `input` loses its batch dim.
inline Tensor like_input(const Tensor& result, const Tensor& input) {
  return input.dim() == 3 ? result.squeeze(0) : result;
}

}  // namespace gf::image::detail
