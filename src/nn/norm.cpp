#include "gf/nn/norm.hpp"

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/dist/sync_batch_norm.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/norm.hpp"

namespace gf::nn {

BatchNorm2d::BatchNorm2d(const Options& o) : num_features(o.features), eps(o.eps), momentum(o.momentum) {
  GF_CHECK(num_features > 0, "BatchNorm2d: num_features must be positive, got ", num_features);
  if (o.affine) {
    weight = ones({num_features});
    bias = zeros({num_features});
  }
  if (o.track_running_stats) {
    running_mean = zeros({num_features});
    running_var = ones({num_features});
    num_batches_tracked = zeros({}, {DType::kInt64});
  }
  register_parameter("weight", weight);
  register_parameter("bias", bias);
  register_buffer("running_mean", running_mean);
  register_buffer("running_var", running_var);
  register_buffer("num_batches_tracked", num_batches_tracked);
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  GF_CHECK((x.dim() == 4 || x.dim() == 2) && x.size(1) == num_features, "BatchNorm2d: expected (N, ", num_features,
           ", H, W) or (N, ", num_features, "), got ", x.shape());
  const bool batch_stats = is_training() || !running_mean.defined();
  if (running_mean.defined() && is_training()) {
    NoGradGuard no_grad;
    num_batches_tracked.copy_(add(num_batches_tracked, 1.0));
  }
  if (sync && batch_stats)
    return dist::sync_batch_norm(x, weight, bias, running_mean, running_var, momentum, eps, *sync);
  return batch_norm(x, weight, bias, running_mean, running_var, batch_stats, momentum, eps);
}

std::string BatchNorm2d::extra_repr() const {
  return detail::concat(num_features, ", eps=", eps, ", momentum=", momentum,
                        ", affine=", weight.defined() ? "true" : "false",
                        ", track_running_stats=", running_mean.defined() ? "true" : "false");
}

InstanceNorm2d::InstanceNorm2d(const Options& o) : num_features(o.features), eps(o.eps) {
  GF_CHECK(num_features > 0, "InstanceNorm2d: num_features must be positive, got ", num_features);
  if (o.affine) {
    weight = ones({num_features});
    bias = zeros({num_features});
  }
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}

Tensor InstanceNorm2d::forward(const Tensor& x) {
  GF_CHECK(x.dim() == 4 && x.size(1) == num_features, "InstanceNorm2d: expected (N, ", num_features,
           ", H, W), got ", x.shape());
  return instance_norm(x, weight, bias, eps);
}

std::string InstanceNorm2d::extra_repr() const {
  return detail::concat(num_features, ", eps=", eps, ", affine=", weight.defined() ? "true" : "false");
}

}  // namespace gf::nn
