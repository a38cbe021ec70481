#include "gf/autograd/engine.hpp"

#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "gf/autograd/grad_mode.hpp"
#include "gf/autograd/node.hpp"
#include "gf/profile/profiler.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"

namespace gf::autograd {
namespace {

// Nodes reachable from `root`, each listed after every node that feeds it a
// gradient (reverse topological order of the forward pass).
std::vector<Node*> topological_order(Node* root) {
  std::unordered_map<Node*, int> pending;  // how many consumers still owe a gradient
  std::vector<Node*> stack{root};
  std::unordered_set<Node*> seen{root};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& next : n->next()) {
      if (!next) continue;
      ++pending[next.get()];
      if (seen.insert(next.get()).second) stack.push_back(next.get());
    }
  }
  std::vector<Node*> order, ready{root};
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (const auto& next : n->next())
      if (next && --pending[next.get()] == 0) ready.push_back(next.get());
  }
  return order;
}

}  // namespace

// The leaf's sink, here with the rest of backward's arithmetic (node.hpp declares it).
std::vector<Tensor> AccumulateGrad::apply(const Tensor& grad_output) {
  std::shared_ptr<TensorImpl> impl = leaf_.lock();
  if (!impl) return {};  // the leaf died; nobody can read its gradient
  Tensor leaf(impl);
  GF_CHECK(grad_output.shape() == leaf.shape(), "AccumulateGrad: gradient of shape ", grad_output.shape(),
           " for leaf of shape ", leaf.shape());
  Tensor g = grad_output.dtype() == leaf.dtype() ? grad_output : grad_output.to(leaf.dtype());
  // Gradients add up across backward calls until zero_grad(): never alias the
  // incoming tensor, since the caller may reuse it.
  impl->grad = impl->grad ? add(Tensor(impl->grad), g).impl_ptr() : g.contiguous().clone().impl_ptr();
  for (const PostHook& hook : post_hooks_) hook(leaf);
  return {};
}

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  GF_CHECK(root.requires_grad(), "backward: tensor does not require grad (no input was marked requires_grad_(), "
                                 "or it was computed under NoGradGuard)");
  Tensor seed = gradient;
  if (!seed.defined()) {
    GF_CHECK(root.numel() == 1, "backward: implicit gradient only for a one-element tensor, got shape ", root.shape(),
             "; pass the gradient explicitly");
    seed = ones(root.shape(), {root.dtype(), root.device()});
  }
  GF_CHECK(seed.shape() == root.shape(), "backward: gradient shape ", seed.shape(), " does not match tensor shape ",
           root.shape());

  NoGradGuard no_grad;  // gradients themselves are not recorded
  const std::shared_ptr<Node> root_node = gradient_edge(root);
  std::unordered_map<Node*, Tensor> grads{{root_node.get(), seed}};
  for (Node* node : topological_order(root_node.get())) {
    auto it = grads.find(node);
    if (it == grads.end()) continue;  // no gradient reached this node
    const Tensor grad_out = it->second;
    grads.erase(it);
    // When profiling, the backward is charged to the module that recorded the node.
    std::optional<Profiler::Scope> profile;
    if (Profiler::enabled() && !node->profile_scope().empty())
      profile.emplace(node->profile_scope(), "", Profiler::Phase::kBackward);
    const std::vector<Tensor> input_grads = node->apply(grad_out);
    if (profile) {  // it read the output gradient and wrote one per input
      std::vector<Tensor> touched = input_grads;
      touched.push_back(grad_out);
      Profiler::add_work(0, Profiler::bytes_of(touched));
      profile.reset();
    }
    if (!retain_graph) node->release();
    for (std::size_t i = 0; i < input_grads.size(); ++i) {
      Node* next = node->next()[i].get();
      if (!next || !input_grads[i].defined()) continue;
      auto [slot, fresh] = grads.try_emplace(next, input_grads[i]);
      if (!fresh) slot->second = add(slot->second, input_grads[i]);  // a shared subexpression
    }
  }
}

std::string to_dot(const Tensor& root) {
  std::ostringstream os;
  os << "digraph autograd {\n  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n";
  const std::shared_ptr<Node> root_node = gradient_edge(root);
  if (!root_node) return os.str() + "}\n";
  std::unordered_map<Node*, int> ids;
  std::vector<Node*> stack{root_node.get()};
  ids[root_node.get()] = 0;
  std::ostringstream edges;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    const int id = ids[n];
    if (auto* acc = dynamic_cast<AccumulateGrad*>(n)) {
      const auto leaf = acc->leaf();
      std::string label = leaf && !leaf->name.empty() ? leaf->name : "leaf";
      if (leaf) label += "\\n" + leaf->shape.str();
      os << "  n" << id << " [shape=ellipse, style=filled, fillcolor=lightblue, label=\"" << label << "\"];\n";
    } else {
      os << "  n" << id << " [shape=box, label=\"" << n->name() << "\"];\n";
    }
    for (const auto& next : n->next()) {
      if (!next) continue;
      auto [it, fresh] = ids.try_emplace(next.get(), static_cast<int>(ids.size()));
      if (fresh) stack.push_back(next.get());
      // Arrow from input to consumer: the direction data flowed forward.
      edges << "  n" << it->second << " -> n" << id << ";\n";
    }
  }
  os << edges.str() << "}\n";
  return os.str();
}

}  // namespace gf::autograd

namespace gf {

// Declared on Tensor (include/gf/core/tensor.hpp); the sweep above is what it runs.
void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::backward(*this, gradient, retain_graph);
}

}  // namespace gf
