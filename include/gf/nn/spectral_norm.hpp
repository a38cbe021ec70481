#pragma once
// Spectral normalisation (Miyato et al. 2018) as a module wrapper.
//
// A layer's weight W, viewed as a matrix (out, in * k * k), is divided by its
// largest singular value sigma(W), so the layer is 1-Lipschitz and the
// discriminator cannot sharpen its decision boundary without bound.
// sigma is tracked by one step of power iteration per training forward:
//   v <- W^T u / |W^T u|,   u <- W v / |W v|,   sigma = u^T W v
// u and v are buffers (saved in checkpoints, not trained). The gradient flows
// through sigma = u^T W v with u, v held constant, as in the paper.
//
//   auto conv = gf::nn::make<gf::nn::Conv2d>(
//       {.in = 64, .out = 128, .kernel = 4, .stride = 2, .padding = 1, .bias = false});
//   auto sn = std::make_shared<gf::nn::SpectralNorm>(conv, conv->weight, gen);
#include <memory>

#include "gf/core/rng.hpp"
#include "gf/nn/module.hpp"

namespace gf::nn {

class SpectralNorm : public Module {
 public:
  /// Wraps `layer`, whose weight parameter is the member `weight` (out, ...).
  SpectralNorm(std::shared_ptr<Module> layer, Tensor& weight, Rng& gen);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SpectralNorm"; }

  /// sigma(W) from the current u, v (what the last forward divided by).
  double sigma() const;

  Tensor u;  // (out,)   left singular vector estimate
  Tensor v;  // (in*k*k,) right singular vector estimate

 private:
  /// W / sigma(W), updating u and v first when training.
  Tensor normalized_weight();

  std::shared_ptr<Module> layer_;
  Tensor* weight_;  // the wrapped layer's parameter slot
};

}  // namespace gf::nn
