#pragma once
// A Node is one recorded op in the autograd graph.
//
// When an op runs with grad mode on and some input requires grad, it records a
// Node holding (a) a backward function that maps d(loss)/d(output) to
// d(loss)/d(each input), with whatever forward values it needs captured inside,
// and (b) an edge per input to the Node that produced that input (or to the
// leaf's AccumulateGrad node). backward() walks these edges from the loss.
//
//   y = mul(a, b)  records  Node{"mul", backward: g -> {g * b, g * a}, next: {a, b}}
//
// Double backward (gf::autograd::grad with create_graph, docs/autograd.md): the
// engine then runs each node's *differentiable* backward with grad mode on, so
// the gradients it returns are recorded like any forward result. A backward
// that is already written in recorded ops on captured inputs that are not
// detached (mul's g * b) serves both orders: record it with
// Differentiable::kYes. A backward that runs a fast kernel (conv2d's col2im)
// keeps it for first order and records a second function written in ops, used
// only under create_graph. A node with neither throws when create_graph reaches
// it, naming the op: it never hands back a gradient that is silently constant.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::autograd {

class Node {
 public:
  /// Maps the output's gradient to one gradient per input (undefined where an
  /// input does not need one).
  using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

  virtual ~Node() = default;

  const std::string& name() const { return name_; }
  /// One entry per op input: the node to send that input's gradient to, or null.
  const std::vector<std::shared_ptr<Node>>& next() const { return next_; }
  /// Shapes of the inputs, to check each gradient backward returns.
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }

  /// Runs the backward function and checks every returned gradient's shape.
  /// With `create_graph` it runs the differentiable backward (the engine has
  /// grad mode on), and throws naming the op when the node has none.
  /// `wanted` (one flag per input, or null for all) is what
  /// input_gradient_wanted() answers while the backward function runs.
  virtual std::vector<Tensor> apply(const Tensor& grad_output, bool create_graph = false,
                                    const std::vector<bool>* wanted = nullptr);
  /// Frees what the node captured (after backward without retain_graph).
  virtual void release() {
    backward_ = nullptr;
    differentiable_backward_ = nullptr;
    released_ = true;
  }
  bool released() const { return released_; }

  /// The module path that recorded this node, to which the profiler charges
  /// its backward ("" when the profiler was off or no module was running).
  const std::string& profile_scope() const { return profile_scope_; }
  void set_profile_scope(std::string path) { profile_scope_ = std::move(path); }

 protected:
  Node(std::string name, std::vector<std::shared_ptr<Node>> next, std::vector<Shape> input_shapes,
       BackwardFn backward, bool backward_is_differentiable, BackwardFn differentiable_backward)
      : name_(std::move(name)), next_(std::move(next)), input_shapes_(std::move(input_shapes)),
        backward_(std::move(backward)), backward_is_differentiable_(backward_is_differentiable),
        differentiable_backward_(std::move(differentiable_backward)) {}
  friend struct NodeFactory;

 private:
  std::string name_;
  std::vector<std::shared_ptr<Node>> next_;
  std::vector<Shape> input_shapes_;
  BackwardFn backward_;
  bool backward_is_differentiable_;     // backward_ itself builds a graph under grad mode
  BackwardFn differentiable_backward_;  // else this one does (null: the op has none)
  bool released_ = false;
  std::string profile_scope_;
};

/// The sink for a leaf tensor: adds the incoming gradient into leaf.grad().
/// Holds the leaf weakly, so the graph does not keep parameters alive.
class AccumulateGrad : public Node {
 public:
  /// Called with the leaf right after its .grad() was updated: the moment a
  /// data-parallel reducer may send that gradient (gf/dist/grad_reducer.hpp).
  using PostHook = std::function<void(const Tensor& leaf)>;

  explicit AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf);
  /// Adds into leaf.grad(); with `create_graph` the sum is recorded, so the
  /// accumulated gradient keeps its graph.
  std::vector<Tensor> apply(const Tensor& grad_output, bool create_graph = false,
                            const std::vector<bool>* wanted = nullptr) override;
  void release() override {}  // nothing captured; reusable across backward calls
  std::shared_ptr<TensorImpl> leaf() const { return leaf_.lock(); }
  void add_post_hook(PostHook hook) { post_hooks_.push_back(std::move(hook)); }

 private:
  std::weak_ptr<TensorImpl> leaf_;
  std::vector<PostHook> post_hooks_;
};

/// Runs `hook` every time backward accumulates a gradient into `leaf` (a leaf
/// that requires grad), after .grad() holds the new sum.
void add_post_accumulate_hook(const Tensor& leaf, AccumulateGrad::PostHook hook);


/// Where a gradient for `t` must go: its grad_fn, its leaf accumulator, or null.
std::shared_ptr<Node> gradient_edge(const Tensor& t);

/// Inside a backward function: whether the gradient of the op's input `i` is
/// needed, i.e. the input required grad when the op ran and the running sweep
/// will use its gradient. grad(outputs, inputs) walks only the part of the
/// graph that leads to its inputs, so a convolution between D's output and x
/// is asked for x's gradient and not for its weight's, which grad() would
/// throw away: R1's and WGAN-GP's inner gradient skips half of every
/// convolution's backward. Under backward() every gradient an input requires
/// is needed. True outside a backward function. The ops whose parameter
/// gradients cost as much as their input gradient (conv2d, conv_transpose2d,
/// linear, matmul) ask it; others use the requires_grad they captured.
bool input_gradient_wanted(std::size_t i);

/// True when grad mode is on and any defined input requires grad.
bool needs_grad(const std::vector<Tensor>& inputs);

/// Whether a backward function is written in recorded ops on captured inputs
/// that are not detached, and so can be differentiated again.
enum class Differentiable { kNo, kYes };

/// Records `output` as produced by op `name` from `inputs`. Capture in
/// `backward` only what it needs; capture outputs as output.detach() so the
/// node does not own the tensor that owns it. Differentiable::kYes says that
/// `backward` also serves create_graph (see the top of this file).
void record(const std::string& name, Tensor& output, const std::vector<Tensor>& inputs,
            Node::BackwardFn backward, Differentiable differentiable = Differentiable::kNo);

/// Records an op whose first-order `backward` runs kernels, with
/// `differentiable_backward` (the same gradients written in recorded ops on the
/// inputs themselves) for create_graph.
void record(const std::string& name, Tensor& output, const std::vector<Tensor>& inputs,
            Node::BackwardFn backward, Node::BackwardFn differentiable_backward);

}  // namespace gf::autograd
