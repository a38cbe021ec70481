#pragma once
// Layers without parameters that change a tensor's shape.
#include <cstdint>

#include "gf/nn/module.hpp"
#include "gf/ops/pool.hpp"

namespace gf::nn {

/// Merges dims start_dim..end_dim: (N, C, H, W) -> (N, C H W) by default.
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Flatten"; }
  std::string extra_repr() const override;

  const std::int64_t start_dim, end_dim;
};

/// Splits dim into `sizes`: Unflatten(1, {256, 7, 7}) maps (N, 12544) -> (N, 256, 7, 7).
class Unflatten : public Module {
 public:
  Unflatten(std::int64_t dim, Shape sizes) : dim(dim), sizes(std::move(sizes)) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Unflatten"; }
  std::string extra_repr() const override;

  const std::int64_t dim;
  const Shape sizes;
};

/// Scales H and W by an integer factor (nearest or bilinear, see gf::upsample2d).
class Upsample : public Module {
 public:
  explicit Upsample(std::int64_t scale_factor = 2, UpsampleMode mode = UpsampleMode::kNearest)
      : scale_factor(scale_factor), mode(mode) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Upsample"; }
  std::string extra_repr() const override;

  const std::int64_t scale_factor;
  const UpsampleMode mode;
};

/// Mirror padding of H and W, without repeating the edge (style-transfer
/// networks use it to avoid border artefacts).
class ReflectionPad2d : public Module {
 public:
  explicit ReflectionPad2d(std::int64_t padding) : ReflectionPad2d(padding, padding, padding, padding) {}
  ReflectionPad2d(std::int64_t left, std::int64_t right, std::int64_t top, std::int64_t bottom)
      : left(left), right(right), top(top), bottom(bottom) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReflectionPad2d"; }
  std::string extra_repr() const override;

  const std::int64_t left, right, top, bottom;
};

}  // namespace gf::nn
