#include "gf/optim/lr_scheduler.hpp"

#include <cmath>
#include <numbers>

namespace gf::optim {

void LRScheduler::step() { set_epoch(epoch_ + 1); }

void LRScheduler::set_epoch(std::int64_t epoch) {
  GF_CHECK(epoch >= 0, "LRScheduler: epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
  optimizer_.set_lr(lr_at(epoch));
}

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size(step_size), gamma(gamma) {
  GF_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
}

double StepLR::lr_at(std::int64_t epoch) const {
  return base_lr() * std::pow(gamma, static_cast<double>(epoch / step_size));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max(T_max), eta_min(eta_min) {
  GF_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max);
}

double CosineAnnealingLR::lr_at(std::int64_t epoch) const {
  const double phase = std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(T_max);
  return eta_min + (base_lr() - eta_min) * (1.0 + std::cos(phase)) / 2.0;
}

}  // namespace gf::optim
