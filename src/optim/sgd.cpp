#include "gf/optim/sgd.hpp"

#include "cpu/optim.hpp"
#include "dispatch.hpp"

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

void SGD::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  Tensor buffer;
  bool first = false;
  if (options_.momentum != 0.0) {
    auto [it, inserted] = state.buffers.try_emplace("momentum_buffer");
    if (inserted) it->second = Tensor::empty(param.shape(), {param.dtype(), param.device()});  // written, not read
    buffer = it->second;
    first = inserted;
  }
  const cpu::SgdStep s{options_.lr, options_.momentum, options_.dampening, options_.weight_decay, options_.nesterov,
                       first};
  GF_DISPATCH(param.device(), sgd_update, param, grad, buffer, s);
}

}  // namespace gf::optim
