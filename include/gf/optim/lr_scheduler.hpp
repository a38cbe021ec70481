#pragma once
// Learning-rate schedules, PyTorch's formulas in closed form. Call step()
// once per epoch (after the epoch's optimizer steps).
//
//   gf::optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (int epoch = 0; epoch < 90; ++epoch) { train_one_epoch(); sched.step(); }
#include <cstdint>

#include "gf/optim/optimizer.hpp"

namespace gf::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  /// Advances one epoch and sets the optimizer's learning rate for it.
  void step();
  /// Jumps to `epoch` (when resuming a run) and sets the learning rate for it.
  void set_epoch(std::int64_t epoch);
  std::int64_t epoch() const { return epoch_; }
  /// The learning rate the optimizer had when the schedule was made.
  double base_lr() const { return base_lr_; }
  /// The learning rate at `epoch`.
  virtual double lr_at(std::int64_t epoch) const = 0;

 protected:
  explicit LRScheduler(Optimizer& optimizer) : optimizer_(optimizer), base_lr_(optimizer.lr()) {}

 private:
  Optimizer& optimizer_;
  double base_lr_;
  std::int64_t epoch_ = 0;
};

/// lr = base_lr gamma^floor(epoch / step_size).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);
  double lr_at(std::int64_t epoch) const override;

  const std::int64_t step_size;
  const double gamma;
};

/// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2:
/// from base_lr down to eta_min over T_max epochs.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0.0);
  double lr_at(std::int64_t epoch) const override;

  const std::int64_t T_max;
  const double eta_min;
};

}  // namespace gf::optim
