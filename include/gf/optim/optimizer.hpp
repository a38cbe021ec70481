#pragma once
// Optimizer: the base of SGD and Adam. It holds the parameter tensors, updates
// every parameter that has a gradient, and keeps per-parameter state
// (momentum, moment estimates) that a checkpoint can save and restore. A step
// hands the parameters to the update kernel in groups that share a device, a
// dtype and a step count, so on a GPU one fused launch updates a whole group.
//
//   gf::optim::Adam opt(G->parameters(), {.lr = 2e-4, .beta1 = 0.5});
//   opt.zero_grad();
//   loss.backward();
//   opt.step();
//
// state_dict() names its tensors
//   "step"                 number of step() calls (int64, 0-D)
//   "lr"                   current learning rate (float64, 0-D)
//   "state.<i>.step"       updates applied to parameter i (int64, 0-D)
//   "state.<i>.<buffer>"   parameter i's buffers, e.g. "state.0.exp_avg"
// where i is the parameter's index in the list the optimizer was given.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::optim {

/// What an optimizer remembers about one parameter.
struct ParamState {
  std::int64_t step = 0;                   // updates applied so far (0: none yet)
  std::map<std::string, Tensor> buffers;   // each shaped like the parameter
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter whose grad() is defined (others are skipped,
  /// their state untouched). Not recorded for autograd.
  void step();
  /// Drops every parameter's gradient.
  void zero_grad();

  virtual double lr() const = 0;
  virtual void set_lr(double lr) = 0;
  /// "SGD", "Adam": named in error messages.
  virtual std::string name() const = 0;

  const std::vector<Tensor>& params() const { return params_; }
  std::int64_t step_count() const { return step_count_; }
  const ParamState& state(std::size_t i) const { return state_.at(i); }

  /// Everything needed to continue exactly where this optimizer is (see the
  /// naming above). Buffers are copies, safe to keep or save.
  std::map<std::string, Tensor> state_dict() const;
  /// Restores a state_dict() of the same kind of optimizer over parameters of
  /// the same shapes. Throws, changing nothing, listing every key that is
  /// missing, unexpected or of the wrong shape.
  void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  Optimizer(std::vector<Tensor> params, const char* kind);
  /// One parameter's part in an update.
  struct Slot {
    Tensor param;       // contiguous
    Tensor grad;        // contiguous, same shape, dtype and device as param
    ParamState* state;  // state->step already counts this update
  };
  /// Applies one update to every parameter of `group`: parameters on one
  /// device, of one dtype, with one step count, in the order of the list.
  virtual void update(const std::vector<Slot>& group) = 0;
  /// Names of the buffers update() keeps for every parameter it has updated.
  virtual std::vector<std::string> buffer_names() const = 0;

 private:
  std::vector<Tensor> params_;
  std::vector<ParamState> state_;  // one per parameter
  std::int64_t step_count_ = 0;
};

}  // namespace gf::optim
