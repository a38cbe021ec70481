#pragma once
// Adam (Kingma & Ba) with PyTorch's semantics (L2 weight decay added to the
// gradient, bias correction):
//   g = grad + weight_decay p
//   m = beta1 m + (1 - beta1) g           v = beta2 v + (1 - beta2) g^2
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include "gf/optim/optimizer.hpp"

namespace gf::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Tensor> params, AdamOptions options = {});

  double lr() const override { return options_.lr; }
  void set_lr(double lr) override;
  std::string name() const override { return "Adam"; }
  const AdamOptions& options() const { return options_; }

 protected:
  void update(const std::vector<Slot>& group) override;
  std::vector<std::string> buffer_names() const override { return {"exp_avg", "exp_avg_sq"}; }

 private:
  AdamOptions options_;
};

}  // namespace gf::optim
