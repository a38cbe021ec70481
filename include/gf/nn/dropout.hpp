#pragma once
// Dropout with its own generator, so masks are reproducible and their
// stream can be saved in a checkpoint.
#include <cstdint>
#include <optional>

#include "gf/core/rng.hpp"
#include "gf/nn/module.hpp"

namespace gf::nn {

/// Training: zeroes each element with probability p and scales the rest by
/// 1 / (1 - p). Eval: the identity. Without a seed, the layer's generator is
/// seeded from the default generator, so gf::manual_seed() fixes it too.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, std::optional<std::uint64_t> seed = std::nullopt);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;
  /// The mask stream (seed it, or save/restore its state()).
  Rng& generator() { return gen_; }

  const double p;

 private:
  Rng gen_;
};

}  // namespace gf::nn
