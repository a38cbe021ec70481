#include "gf/nn/spectral_norm.hpp"

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/linalg.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::nn {
namespace {

Tensor normalize(const Tensor& x) { return div(x, add(sqrt(sum(square(x))), 1e-12)); }

// Restores the wrapped layer's weight slot even if its forward throws.
struct WeightSwap {
  Tensor* slot;
  Tensor saved;
  WeightSwap(Tensor* s, const Tensor& replacement) : slot(s), saved(*s) { *slot = replacement; }
  ~WeightSwap() { *slot = saved; }
};

}  // namespace

SpectralNorm::SpectralNorm(std::shared_ptr<Module> layer, Tensor& weight, Rng& gen)
    : layer_(register_module("module", std::move(layer))), weight_(&weight) {
  GF_CHECK(weight.defined() && weight.dim() >= 2, "SpectralNorm: the wrapped weight must be at least 2-D, got ",
           weight.defined() ? weight.shape().str() : "undefined");
  const std::int64_t rows = weight.size(0), cols = weight.numel() / rows;
  NoGradGuard no_grad;
  u = normalize(randn({rows}, {weight.dtype(), weight.device()}, &gen));
  v = normalize(randn({cols}, {weight.dtype(), weight.device()}, &gen));
  register_buffer("u", u);
  register_buffer("v", v);
}

Tensor SpectralNorm::normalized_weight() {
  const Tensor& w = *weight_;
  const Tensor mat = w.reshape({w.size(0), -1});  // (out, in*k*k)
  if (is_training()) {
    NoGradGuard no_grad;  // power iteration: u, v are constants for autograd
    const Tensor wd = mat.detach();
    v.copy_(normalize(matmul(u.unsqueeze(0), wd).squeeze(0)));  // W^T u
    u.copy_(normalize(matmul(wd, v.unsqueeze(1)).squeeze(1)));  // W v
  }
  const Tensor sigma = sum(mul(u, matmul(mat, v.unsqueeze(1)).squeeze(1)));  // u^T W v, differentiable in W
  return div(w, sigma);
}

Tensor SpectralNorm::forward(const Tensor& x) {
  WeightSwap swap(weight_, normalized_weight());
  return (*layer_)(x);
}

double SpectralNorm::sigma() const {
  NoGradGuard no_grad;
  const Tensor mat = weight_->reshape({weight_->size(0), -1});
  return sum(mul(u, matmul(mat, v.unsqueeze(1)).squeeze(1))).item<double>();
}

}  // namespace gf::nn
