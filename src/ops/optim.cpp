// Optimizer updates (include/gf/ops/optim.hpp): check the group, pick the
// backend by device, run the fused kernel (src/cpu/optim.cpp, cuda/optim.cu).
#include "gf/ops/optim.hpp"

#include "kernels/kernels.hpp"
#include "dispatch.hpp"

namespace gf {
namespace {

// Every tensor of every entry on the first parameter's device, in its dtype.
template <typename Entry>
void check_group(const std::vector<Entry>& entries, const char* op) {
  GF_CHECK(!entries.empty(), op, ": no parameters to update");
  const Tensor& first = entries.front().param;
  for (const Entry& e : entries)
    for (const Tensor* t : {&e.param, &e.grad})
      GF_CHECK(t->device() == first.device() && t->dtype() == first.dtype(), op, ": a ", t->dtype(), " tensor on ",
               t->device(), " in a group of ", first.dtype(), " parameters on ", first.device());
}

}  // namespace

void adam_update_(const std::vector<AdamTensors>& tensors, const AdamStep& step) {
  check_group(tensors, "adam_update_");
  kernels_on(tensors.front().param.device()).adam_update(tensors, step);
}

void sgd_update_(const std::vector<SgdTensors>& tensors, const SgdStep& step) {
  check_group(tensors, "sgd_update_");
  kernels_on(tensors.front().param.device()).sgd_update(tensors, step);
}

}  // namespace gf
