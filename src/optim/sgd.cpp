#include "gf/optim/sgd.hpp"

#include "gf/ops/optim.hpp"

namespace gf::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options) : Optimizer(std::move(params), "SGD"), options_(options) {
  set_lr(options.lr);
  GF_CHECK(options.momentum >= 0.0, "SGD: momentum must be >= 0, got ", options.momentum);
  GF_CHECK(options.weight_decay >= 0.0, "SGD: weight_decay must be >= 0, got ", options.weight_decay);
  GF_CHECK(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0),
           "SGD: nesterov needs momentum > 0 and dampening 0, got momentum=", options.momentum,
           ", dampening=", options.dampening);
}

void SGD::set_lr(double lr) {
  GF_CHECK(lr >= 0.0, "SGD: lr must be >= 0, got ", lr);
  options_.lr = lr;
}

std::vector<std::string> SGD::buffer_names() const {
  if (options_.momentum == 0.0) return {};
  return {"momentum_buffer"};
}

void SGD::update(const std::vector<Slot>& group) {
  // The momentum buffer is created on a parameter's first update, so it is
  // new exactly when the (shared) step count is 1.
  const bool first = group.front().state->step == 1;
  std::vector<SgdTensors> tensors;
  tensors.reserve(group.size());
  for (const Slot& slot : group) {
    Tensor buffer;
    if (options_.momentum != 0.0) {
      auto [it, inserted] = slot.state->buffers.try_emplace("momentum_buffer");
      if (inserted) it->second = Tensor::empty(slot.param.shape(), {slot.param.dtype(), slot.param.device()});
      GF_CHECK(inserted == first, "SGD: parameter state out of step (momentum buffer ",
               inserted ? "missing" : "present", " at update ", slot.state->step, ")");
      buffer = it->second;  // written, not read, on the first step
    }
    tensors.push_back({slot.param, slot.grad, buffer});
  }
  const SgdStep s{options_.lr, options_.momentum, options_.dampening, options_.weight_decay, options_.nesterov,
                       first};
  sgd_update_(tensors, s);
}

}  // namespace gf::optim
