#include "gf/optim/adam.hpp"

#include "gf/core/factory.hpp"
#include "gf/ops/optim.hpp"

namespace gf::optim {

Adam::Adam(std::vector<Tensor> params, AdamOptions options) : Optimizer(std::move(params), "Adam"), options_(options) {
  set_lr(options.lr);
  GF_CHECK(options.beta1 >= 0.0 && options.beta1 < 1.0 && options.beta2 >= 0.0 && options.beta2 < 1.0,
           "Adam: betas must be in [0, 1), got beta1=", options.beta1, ", beta2=", options.beta2);
  GF_CHECK(options.eps >= 0.0, "Adam: eps must be >= 0, got ", options.eps);
  GF_CHECK(options.weight_decay >= 0.0, "Adam: weight_decay must be >= 0, got ", options.weight_decay);
}

void Adam::set_lr(double lr) {
  GF_CHECK(lr >= 0.0, "Adam: lr must be >= 0, got ", lr);
  options_.lr = lr;
}

void Adam::update(const std::vector<Slot>& group) {
  std::vector<AdamTensors> tensors;
  tensors.reserve(group.size());
  for (const Slot& slot : group) {
    // Both moment estimates start at zero; bias correction undoes that start.
    auto& buffers = slot.state->buffers;
    for (const char* buffer : {"exp_avg", "exp_avg_sq"})
      if (!buffers.count(buffer)) buffers[buffer] = zeros_like(slot.param);
    tensors.push_back({slot.param, slot.grad, buffers.at("exp_avg"), buffers.at("exp_avg_sq")});
  }
  const std::int64_t t = group.front().state->step;  // the same for the whole group
  const AdamStep s{options_.lr, options_.beta1, options_.beta2, options_.eps, options_.weight_decay, t};
  adam_update_(tensors, s);
}

}  // namespace gf::optim
