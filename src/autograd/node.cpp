#include "gf/autograd/node.hpp"

#include "gf/autograd/grad_mode.hpp"
#include "gf/profile/profiler.hpp"

// The graph's data structure, below the ops that record into it: nothing here
// runs a kernel. The arithmetic of backward (summing gradients, adding into a
// leaf's .grad) is the engine's: src/autograd/engine.cpp.
namespace gf::autograd {
namespace {

// The node whose backward function runs on this thread, and the sweep's
// flags for its inputs (null: all). Saved and restored around each call.
struct Running {
  const Node* node = nullptr;
  const std::vector<bool>* wanted = nullptr;
};
thread_local Running running;

class RunningScope {
 public:
  RunningScope(const Node* node, const std::vector<bool>* wanted) : saved_(running) { running = {node, wanted}; }
  ~RunningScope() { running = saved_; }
  RunningScope(const RunningScope&) = delete;
  RunningScope& operator=(const RunningScope&) = delete;

 private:
  Running saved_;
};

}  // namespace

bool input_gradient_wanted(std::size_t i) {
  if (!running.node) return true;
  const auto& next = running.node->next();  // null where the input did not require grad
  return i < next.size() && next[i] && (!running.wanted || (*running.wanted)[i]);
}

std::vector<Tensor> Node::apply(const Tensor& grad_output, bool create_graph, const std::vector<bool>* wanted) {
  GF_CHECK(!released_, "backward: the graph through '", name_,
           "' was already freed by an earlier backward(); pass retain_graph=true to the first call");
  GF_CHECK(!create_graph || backward_is_differentiable_ || differentiable_backward_, "backward with create_graph: op '",
           name_, "' has no differentiable backward, so the gradient through it cannot be differentiated again "
           "(docs/autograd.md lists the ops that have one)");
  GF_CHECK(!wanted || wanted->size() == next_.size(), "backward of '", name_, "': ", wanted->size(),
           " wanted flags for ", next_.size(), " inputs");
  const RunningScope scope(this, wanted);
  std::vector<Tensor> grads =
      create_graph && !backward_is_differentiable_ ? differentiable_backward_(grad_output) : backward_(grad_output);
  GF_CHECK(grads.size() == next_.size(), "backward of '", name_, "' returned ", grads.size(), " gradients for ",
           next_.size(), " inputs");
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || !next_[i]) continue;
    GF_CHECK(grads[i].shape() == input_shapes_[i], "backward of '", name_, "' returned a gradient of shape ",
             grads[i].shape(), " for input ", i, " of shape ", input_shapes_[i]);
  }
  return grads;
}

// Node's constructor is protected (only record() makes function nodes); this
// friend is the one place that calls it.
struct NodeFactory {
  static std::shared_ptr<Node> make(std::string name, std::vector<std::shared_ptr<Node>> next,
                                    std::vector<Shape> input_shapes, Node::BackwardFn backward,
                                    bool backward_is_differentiable, Node::BackwardFn differentiable_backward) {
    return std::shared_ptr<Node>(new Node(std::move(name), std::move(next), std::move(input_shapes),
                                          std::move(backward), backward_is_differentiable,
                                          std::move(differentiable_backward)));
  }
};

AccumulateGrad::AccumulateGrad(const std::shared_ptr<TensorImpl>& leaf)
    : Node("AccumulateGrad", {}, {}, nullptr, false, nullptr), leaf_(leaf) {}

void add_post_accumulate_hook(const Tensor& leaf, AccumulateGrad::PostHook hook) {
  GF_CHECK(leaf.defined() && leaf.requires_grad() && !leaf.grad_fn(),
           "add_post_accumulate_hook: needs a leaf that requires grad (a parameter)");
  auto* acc = static_cast<AccumulateGrad*>(gradient_edge(leaf).get());
  acc->add_post_hook(std::move(hook));
}

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  if (t.grad_fn()) return t.grad_fn();
  TensorImpl* impl = t.impl();
  if (!impl->grad_accumulator) impl->grad_accumulator = std::make_shared<AccumulateGrad>(t.impl_ptr());
  return impl->grad_accumulator;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

namespace {

void record_node(const std::string& name, Tensor& output, const std::vector<Tensor>& inputs, Node::BackwardFn backward,
                 bool backward_is_differentiable, Node::BackwardFn differentiable_backward) {
  std::vector<std::shared_ptr<Node>> next;
  std::vector<Shape> shapes;
  next.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    next.push_back(gradient_edge(t));
    shapes.push_back(t.defined() ? t.shape() : Shape{});
  }
  TensorImpl* out = output.impl();
  out->grad_fn = NodeFactory::make(name, std::move(next), std::move(shapes), std::move(backward),
                                   backward_is_differentiable, std::move(differentiable_backward));
  out->requires_grad = true;
  if (Profiler::enabled()) {  // the op read its inputs and wrote its output
    out->grad_fn->set_profile_scope(Profiler::current_scope());
    std::vector<Tensor> touched = inputs;
    touched.push_back(output);
    Profiler::add_work(0, Profiler::bytes_of(touched));
  }
}

}  // namespace

void record(const std::string& name, Tensor& output, const std::vector<Tensor>& inputs, Node::BackwardFn backward,
            Differentiable differentiable) {
  record_node(name, output, inputs, std::move(backward), differentiable == Differentiable::kYes, nullptr);
}

void record(const std::string& name, Tensor& output, const std::vector<Tensor>& inputs, Node::BackwardFn backward,
            Node::BackwardFn differentiable_backward) {
  record_node(name, output, inputs, std::move(backward), false, std::move(differentiable_backward));
}

}  // namespace gf::autograd
