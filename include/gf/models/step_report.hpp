#pragma once
// What an iterative model (gatys_transfer, patch_gan_transfer) reports after
// each step: plain named numbers. Showing them (a progress bar, a log) is the
// program's business, so the models need nothing from the UI (gf/io).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gf::models {

/// One named loss after a step, e.g. {"style", 0.125}.
struct LossValue {
  std::string name;
  double value;
};

/// Called after every step with the step number (1-based) and the current losses.
using StepCallback = std::function<void(std::int64_t step, const std::vector<LossValue>& losses)>;

}  // namespace gf::models
