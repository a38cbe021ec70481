#include "gf/autograd/engine.hpp"

#include <algorithm>
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

// Nodes reachable from `roots`, each listed after every node that feeds it a
// gradient (reverse topological order of the forward pass).
std::vector<Node*> topological_order(const std::vector<Node*>& roots) {
  std::unordered_map<Node*, int> pending;  // how many consumers still owe a gradient
  std::vector<Node*> stack = roots;
  std::unordered_set<Node*> seen(roots.begin(), roots.end());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& next : n->next()) {
      if (!next) continue;
      ++pending[next.get()];
      if (seen.insert(next.get()).second) stack.push_back(next.get());
    }
  }
  std::vector<Node*> order, ready;
  for (Node* r : std::unordered_set<Node*>(roots.begin(), roots.end()))
    if (pending[r] == 0) ready.push_back(r);  // a root that feeds another root waits for it
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (const auto& next : n->next())
      if (next && --pending[next.get()] == 0) ready.push_back(next.get());
  }
  return order;
}

// The nodes of `order` from which some target can be reached through next()
// edges (the targets included): the only ones grad() needs to run.
std::unordered_set<Node*> leading_to(const std::vector<Node*>& order, const std::unordered_set<Node*>& targets) {
  std::unordered_set<Node*> leads;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {  // producers before consumers
    Node* n = *it;
    bool reaches = targets.count(n) > 0;
    for (const auto& next : n->next()) reaches = reaches || (next && leads.count(next.get()) > 0);
    if (reaches) leads.insert(n);
  }
  return leads;
}

// A root's seed: the given gradient, or ones for a one-element root.
Tensor seed_for(const Tensor& root, const Tensor& gradient, const char* op) {
  GF_CHECK(root.defined() && root.requires_grad(), op, ": tensor does not require grad (no input was marked "
           "requires_grad_(), or it was computed under NoGradGuard)");
  Tensor seed = gradient;
  if (!seed.defined()) {
    GF_CHECK(root.numel() == 1, op, ": implicit gradient only for a one-element tensor, got shape ", root.shape(),
             "; pass the gradient explicitly");
    seed = ones(root.shape(), {root.dtype(), root.device()});
  }
  GF_CHECK(seed.shape() == root.shape(), op, ": gradient shape ", seed.shape(), " does not match tensor shape ",
           root.shape());
  return seed;
}

// The sweep behind backward() and grad(): sends each root's seed back through
// the graph in topological order. backward() (`targets` null) runs every node,
// leaves' accumulators included. grad() keeps the gradient arriving at each
// target node in `captured`, runs only nodes that lead to a target, and never
// runs an accumulator, so no .grad() changes.
void sweep(const std::vector<Tensor>& roots, const std::vector<Tensor>& seeds, bool retain_graph, bool create_graph,
           const std::unordered_set<Node*>* targets, std::unordered_map<Node*, Tensor>* captured) {
  // First order: the gradients are not recorded. create_graph: they are.
  GradModeGuard grad_mode(create_graph);
  std::unordered_map<Node*, Tensor> grads;
  std::vector<Node*> root_nodes;
  for (std::size_t k = 0; k < roots.size(); ++k) {
    Node* r = gradient_edge(roots[k]).get();
    root_nodes.push_back(r);
    auto [slot, fresh] = grads.try_emplace(r, seeds[k]);
    if (!fresh) slot->second = add(slot->second, seeds[k]);
  }
  const std::vector<Node*> order = topological_order(root_nodes);
  const std::unordered_set<Node*> needed = targets ? leading_to(order, *targets) : std::unordered_set<Node*>{};
  for (Node* node : order) {
    auto it = grads.find(node);
    if (it == grads.end()) continue;  // no gradient reached this node
    const Tensor grad_out = it->second;
    grads.erase(it);
    std::vector<bool> wanted;  // grad(): which inputs lie on a path to a target
    if (targets) {
      if (targets->count(node)) (*captured)[node] = grad_out;
      for (const auto& next : node->next()) wanted.push_back(next && needed.count(next.get()) > 0);
      if (std::none_of(wanted.begin(), wanted.end(), [](bool w) { return w; })) continue;  // no target further back
    }
    // When profiling, the backward is charged to the module that recorded the node.
    std::optional<Profiler::Scope> profile;
    if (Profiler::enabled() && !node->profile_scope().empty())
      profile.emplace(node->profile_scope(), "", Profiler::Phase::kBackward);
    const std::vector<Tensor> input_grads = node->apply(grad_out, create_graph, targets ? &wanted : nullptr);
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
      if (targets && !wanted[i]) continue;
      auto [slot, fresh] = grads.try_emplace(next, input_grads[i]);
      if (!fresh) slot->second = add(slot->second, input_grads[i]);  // a shared subexpression
    }
  }
}

}  // namespace

// The leaf's sink, here with the rest of backward's arithmetic (node.hpp declares it).
std::vector<Tensor> AccumulateGrad::apply(const Tensor& grad_output, bool /*create_graph: the sweep's grad mode*/,
                                          const std::vector<bool>* /*wanted: a leaf has no inputs*/) {
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

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph, bool create_graph) {
  const Tensor seed = seed_for(root, gradient, "backward");
  sweep({root}, {seed}, retain_graph || create_graph, create_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool create_graph, bool retain_graph) {
  GF_CHECK(!outputs.empty(), "grad: no outputs given");
  GF_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "grad: ", grad_outputs.size(),
           " grad_outputs for ", outputs.size(), " outputs; pass one per output or none");
  std::vector<Tensor> seeds;
  for (std::size_t k = 0; k < outputs.size(); ++k)
    seeds.push_back(seed_for(outputs[k], grad_outputs.empty() ? Tensor() : grad_outputs[k], "grad"));
  std::vector<std::shared_ptr<Node>> input_nodes;  // held, so a leaf's accumulator lives through the sweep
  std::unordered_set<Node*> targets;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    GF_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "grad: input ", i,
             " does not require grad, so no gradient can reach it");
    input_nodes.push_back(gradient_edge(inputs[i]));
    targets.insert(input_nodes.back().get());
  }
  std::unordered_map<Node*, Tensor> captured;
  sweep(outputs, seeds, retain_graph || create_graph, create_graph, &targets, &captured);
  std::vector<Tensor> result;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto it = captured.find(input_nodes[i].get());
    GF_CHECK(it != captured.end(), "grad: input ", i, " (shape ", inputs[i].shape(),
             ") does not influence the outputs; no gradient reaches it");
    result.push_back(it->second);
  }
  return result;
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
void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward(*this, gradient, retain_graph, create_graph);
}

}  // namespace gf
