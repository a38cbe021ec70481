#include "gf/optim/optimizer.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/core/parse_number.hpp"

namespace gf::optim {
namespace {

// "state.12.exp_avg" -> (12, "exp_avg"); false when the key has another form.
bool parse_state_key(const std::string& key, std::size_t& index, std::string& buffer) {
  const std::string prefix = "state.";
  if (key.rfind(prefix, 0) != 0) return false;
  const std::size_t dot = key.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size() || dot + 1 == key.size()) return false;
  const auto number = parse_number<std::size_t>(std::string_view(key).substr(prefix.size(), dot - prefix.size()));
  if (!number) return false;
  index = *number;
  buffer = key.substr(dot + 1);
  return true;
}

std::string state_key(std::size_t i, const std::string& buffer) { return "state." + std::to_string(i) + "." + buffer; }

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, const char* kind) : params_(std::move(params)) {
  GF_CHECK(!params_.empty(), kind, ": got an empty parameter list");
  std::set<const TensorImpl*> seen;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    GF_CHECK(p.defined(), kind, ": parameter ", i, " is undefined");
    GF_CHECK(is_floating(p.dtype()), kind, ": parameter ", i, " ", p.shape(), " is ", p.dtype(), ", expected floating");
    GF_CHECK(seen.insert(p.impl()).second, kind, ": parameter ", i, " ", p.shape(), " appears twice in the list");
  }
  state_.resize(params_.size());
}

void Optimizer::step() {
  NoGradGuard no_grad;
  // Check every parameter first, so a bad one leaves the whole step undone.
  std::vector<std::size_t> with_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    GF_CHECK(p.is_contiguous(), name(), ": parameter ", i, " ", p.shape(), " is not contiguous");
    GF_CHECK(g.dtype() == p.dtype() && g.device() == p.device(), name(), ": parameter ", i, " is ", p.dtype(), " on ",
             p.device(), " but its gradient is ", g.dtype(), " on ", g.device());
    with_grad.push_back(i);
  }
  ++step_count_;
  // Parameters that share a device, a dtype and a step count (all of them,
  // in a plain training loop) are updated by one kernel call.
  using GroupKey = std::tuple<DeviceType, int, DType, std::int64_t>;
  std::map<GroupKey, std::vector<Slot>> groups;
  for (const std::size_t i : with_grad) {
    const Tensor& p = params_[i];
    ParamState& state = state_[i];
    ++state.step;
    groups[{p.device().type, p.device().index, p.dtype(), state.step}].push_back({p, p.grad().contiguous(), &state});
  }
  for (const auto& [key, group] : groups) update(group);
}

void Optimizer::zero_grad() {
  for (const Tensor& p : params_) p.zero_grad();
}

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> out;
  out["step"] = scalar_tensor(static_cast<double>(step_count_), {DType::kInt64});
  out["lr"] = scalar_tensor(lr(), {DType::kFloat64});
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (state_[i].step == 0) continue;
    out[state_key(i, "step")] = scalar_tensor(static_cast<double>(state_[i].step), {DType::kInt64});
    for (const auto& [buffer, t] : state_[i].buffers) out[state_key(i, buffer)] = t.clone();
  }
  return out;
}

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& state) {
  // Validate everything into `loaded` first, so a failed load changes nothing.
  const std::vector<std::string> names = buffer_names();
  std::vector<std::string> problems;
  std::vector<ParamState> loaded(params_.size());
  std::int64_t step_count = -1;
  double lr = -1.0;
  auto scalar = [&](const std::string& key, const Tensor& t) {
    const bool ok = t.defined() && t.numel() == 1;
    if (!ok) problems.push_back(key + " must hold one number");
    return ok;
  };
  for (const auto& [key, t] : state) {
    std::size_t i = 0;
    std::string buffer;
    if (key == "step") {
      if (scalar(key, t)) step_count = t.item<std::int64_t>();
    } else if (key == "lr") {
      if (scalar(key, t)) lr = t.item<double>();
    } else if (!parse_state_key(key, i, buffer)) {
      problems.push_back("unexpected key " + key);
    } else if (i >= params_.size()) {
      problems.push_back(detail::concat(key, " is for parameter ", i, ", but there are only ", params_.size()));
    } else if (buffer == "step") {
      if (scalar(key, t)) loaded[i].step = t.item<std::int64_t>();
    } else if (std::find(names.begin(), names.end(), buffer) == names.end()) {
      problems.push_back("unexpected key " + key);
    } else if (!t.defined() || t.shape() != params_[i].shape()) {
      problems.push_back(detail::concat(key, " has shape ", t.defined() ? t.shape().str() : "undefined",
                                        ", parameter ", i, " has shape ", params_[i].shape()));
    } else {
      const Tensor& p = params_[i];
      loaded[i].buffers[buffer] = t.to(p.dtype()).to(p.device()).clone();
    }
  }
  if (step_count < 0) problems.push_back("missing key step");
  if (lr < 0) problems.push_back("missing key lr");
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    if (loaded[i].step == 0 && !loaded[i].buffers.empty())
      problems.push_back(detail::concat("buffers for parameter ", i, " without ", state_key(i, "step")));
    if (loaded[i].step > 0)
      for (const std::string& buffer : names)
        if (!loaded[i].buffers.count(buffer)) problems.push_back("missing key " + state_key(i, buffer));
  }
  if (!problems.empty()) {
    std::string msg = detail::concat(name(), ".load_state_dict: the state does not fit this optimizer (",
                                     params_.size(), " parameters):");
    for (const std::string& p : problems) msg += "\n  " + p;
    throw Error(msg);
  }
  state_ = std::move(loaded);
  step_count_ = step_count;
  set_lr(lr);
}

}  // namespace gf::optim
