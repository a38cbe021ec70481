#pragma once
// Pooling and resampling over (N, C, H, W).
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf {

/// Max over kernel x kernel windows; stride defaults to the kernel size.
Tensor max_pool2d(const Tensor& x, std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0);
/// Mean over windows; zero padding counts in the divisor (count_include_pad).
Tensor avg_pool2d(const Tensor& x, std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0);

enum class UpsampleMode { kNearest, kBilinear };

/// Scales H and W by an integer factor. Bilinear uses align_corners=false
/// (half-pixel centres), like torch.nn.Upsample(mode="bilinear").
Tensor upsample2d(const Tensor& x, std::int64_t scale_factor, UpsampleMode mode = UpsampleMode::kNearest);

}  // namespace gf
