#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and
// weight decay, with PyTorch's semantics:
//   g = grad + weight_decay p
//   b = g on the first step, else momentum b + (1 - dampening) g
//   g = g + momentum b (nesterov) or b
//   p = p - lr g
#include "gf/optim/optimizer.hpp"

namespace gf::optim {

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Tensor> params, SGDOptions options = {});

  double lr() const override { return options_.lr; }
  void set_lr(double lr) override;
  std::string name() const override { return "SGD"; }
  const SGDOptions& options() const { return options_; }

 protected:
  void update(const std::vector<Slot>& group) override;
  std::vector<std::string> buffer_names() const override;

 private:
  SGDOptions options_;
};

}  // namespace gf::optim
