#pragma once
// Module: the base of every layer and model. It owns named parameters,
// buffers and submodules, so a whole network can be listed, saved, loaded,
// moved and switched between training and evaluation in one call.
//
//   struct Net : gf::nn::Module {
//     std::shared_ptr<gf::nn::Linear> fc;
//     Tensor scale;                                             // a parameter of our own
//     Net() {
//       fc = register_module("fc", gf::nn::make<gf::nn::Linear>({.in = 4, .out = 2}));
//       scale = gf::ones({2});
//       register_parameter("scale", scale);
//     }
//     Tensor forward(const Tensor& x) override { return (*fc)(x) * scale; }
//     std::string type_name() const override { return "Net"; }
//   };
//   auto net = std::make_shared<Net>();
//   net->named_parameters();   // "fc.weight", "fc.bias", "scale"... in registration order
//
// Modules live behind std::shared_ptr and are neither copyable nor movable:
// the registry remembers where each parameter member lives, so assigning a new
// tensor to `layer->weight` is seen by parameters(), state_dict() and to().
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::nn {

/// (name, tensor) pairs in registration order, like PyTorch's OrderedDict.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The computation. Layers override it; calling a Module that does not throws.
  virtual Tensor forward(const Tensor& x);
  /// forward(x), visible to summary()'s shape trace.
  Tensor operator()(const Tensor& x);

  /// The class name printed by str() and summary(): "Linear".
  virtual std::string type_name() const { return "Module"; }
  /// The arguments printed inside the parentheses: "in_features=4, out_features=2, bias=true".
  virtual std::string extra_repr() const { return ""; }

  // ---- registration (call from the constructor) ---------------------------
  /// Registers the member `slot` as a parameter called `name` and marks it as
  /// requiring grad. `slot` must be a member of this module: the registry
  /// keeps its address. An undefined slot (e.g. no bias) is skipped in listings.
  void register_parameter(const std::string& name, Tensor& slot);
  /// Registers the member `slot` as a buffer: state that is saved and moved
  /// with the module but not trained (batch norm's running statistics).
  void register_buffer(const std::string& name, Tensor& slot);
  /// Adds `module` as a child called `name` and returns it.
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // ---- listing --------------------------------------------------------------
  /// Every parameter of this module and its descendants with dotted names
  /// ("main.0.weight"): own parameters first, then each child in order.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  /// Direct children in registration order.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  /// This module ("" name) and every descendant, pre-order, with dotted names.
  std::vector<std::pair<std::string, Module*>> named_modules();
  /// Total number of parameter elements.
  std::int64_t num_parameters() const;

  // ---- state ------------------------------------------------------------------
  /// Parameters then buffers of each module, pre-order: "0.weight",
  /// "1.running_mean"... The tensors share storage with the module (detached).
  NamedTensors state_dict() const;
  /// Copies `state` into the module's tensors (converting dtype and device).
  /// Throws, changing nothing, when a shape differs or (strict) when a name
  /// is missing or unexpected; the message lists every such name.
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);
  void load_state_dict(const NamedTensors& state, bool strict = true);

  /// Training mode (batch statistics, dropout on) for this module and all descendants.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Drops every parameter's gradient.
  void zero_grad();
  /// Moves every parameter and buffer to `device`. Do this before building
  /// an optimizer: it holds the parameter tensors it was given.
  void to(Device device);
  /// Converts every floating parameter and buffer to `dtype`.
  void to(DType dtype);

  // ---- printing -----------------------------------------------------------------
  /// The module tree, like PyTorch:
  ///   Sequential(
  ///     (0): Linear(in_features=4, out_features=2, bias=true)
  ///     (1): ReLU()
  ///   )
  std::string str() const;
  /// Runs `example_input` through the module (no grad, eval mode, training
  /// flags restored afterwards) and tabulates every module called on the way
  /// with its output shape and parameter count: a shape trace for learners.
  std::string summary(const Tensor& example_input);

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* what) const;
  // Calls fn(dotted_prefix, module) for this module and every descendant, pre-order.
  template <typename Fn>
  void visit(const std::string& prefix, Fn&& fn) const;
  // Calls fn(new_tensor_for_old) on every parameter and buffer slot.
  template <typename Fn>
  void convert_tensors(Fn&& fn);

  std::vector<std::pair<std::string, Tensor*>> params_;
  std::vector<std::pair<std::string, Tensor*>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

/// A shared layer from its option struct, the fields named in braces:
///   nn::make<nn::Conv2d>({.in = 1, .out = 64, .kernel = 4, .stride = 2, .padding = 1})
/// (std::make_shared cannot take a braced list; layers without options use it).
template <typename Layer>
std::shared_ptr<Layer> make(const typename Layer::Options& options) {
  return std::make_shared<Layer>(options);
}

}  // namespace gf::nn
