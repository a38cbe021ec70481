#pragma once
// The backward pass: a topological sweep of the recorded graph.
#include <string>

#include "gf/core/tensor.hpp"

namespace gf::autograd {

/// Propagates `gradient` (d loss / d root; ones for a scalar root when
/// undefined) back through the graph, accumulating into leaves' .grad().
/// Without `retain_graph` each visited node frees what it captured, and a
/// second backward through it throws.
void backward(const Tensor& root, const Tensor& gradient = Tensor(), bool retain_graph = false);

/// The graph that backward() from `root` would walk, as Graphviz DOT text:
/// one box per op node, one ellipse per leaf (named when it has a name).
std::string to_dot(const Tensor& root);

}  // namespace gf::autograd
