#pragma once
// Pooling layers over (N, C, H, W) (see gf::max_pool2d / gf::avg_pool2d).
#include <cstdint>

#include "gf/nn/module.hpp"

namespace gf::nn {

/// MaxPool2d(2): (N, C, 28, 28) -> (N, C, 14, 14). stride 0 means = kernel.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0)
      : kernel(kernel), stride(stride), padding(padding) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;
  const std::int64_t kernel, stride, padding;
};

/// AvgPool2d(2): mean over 2x2 windows.
class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(std::int64_t kernel, std::int64_t stride = 0, std::int64_t padding = 0)
      : kernel(kernel), stride(stride), padding(padding) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;
  const std::int64_t kernel, stride, padding;
};

}  // namespace gf::nn
