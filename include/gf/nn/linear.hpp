#pragma once
// Linear: y = x W^T + b.
#include <cstdint>

#include "gf/core/rng.hpp"
#include "gf/nn/module.hpp"

namespace gf::nn {

/// x (N, in_features) -> (N, out_features); extra leading dims (*, in) are
/// carried through. Weight and bias start uniform in +-1/sqrt(in_features),
/// PyTorch's default (kaiming_uniform with a = sqrt(5)).
class Linear : public Module {
 public:
  /// Linear({.in = 128, .out = 10}): features in and out, a bias or not, and the
  /// generator of the initial weights (null: the default generator).
  struct Options {
    std::int64_t in = 0, out = 0;
    bool bias = true;
    Rng* gen = nullptr;
  };
  explicit Linear(const Options& options);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;
  /// Draws fresh weights the way the constructor does.
  void reset_parameters(Rng& gen);

  const std::int64_t in_features, out_features;
  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features,) or undefined
};

}  // namespace gf::nn
