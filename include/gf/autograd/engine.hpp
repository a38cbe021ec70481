#pragma once
// The backward pass: a topological sweep of the recorded graph.
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::autograd {

/// Propagates `gradient` (d loss / d root; ones for a scalar root when
/// undefined) back through the graph, accumulating into leaves' .grad().
/// Without `retain_graph` each visited node frees what it captured, and a
/// second backward through it throws. With `create_graph` the gradients are
/// themselves recorded (each node's differentiable backward runs with grad
/// mode on), so what lands in .grad() can be differentiated again; it implies
/// retain_graph, as the new graph refers to the old one.
void backward(const Tensor& root, const Tensor& gradient = Tensor(), bool retain_graph = false,
              bool create_graph = false);

/// d(sum_k <grad_outputs[k], outputs[k]>) / d(inputs[i]), returned in input
/// order, without touching any tensor's .grad(). `grad_outputs` may be empty
/// (each output then a one-element tensor, seeded with 1) or one per output.
/// Only the part of the graph between the outputs and the inputs is walked.
/// With `create_graph` the returned gradients carry their own graph: a
/// penalty on them (WGAN-GP, R1) differentiates through the backward pass.
/// Throws when an input does not require grad or does not influence the outputs.
///
///   Tensor g = autograd::grad({sum(D(x))}, {x}, {}, /*create_graph=*/true)[0];
///   Tensor penalty = mean(square(g));  penalty.backward();  // D's params get d penalty
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool create_graph = false,
                         bool retain_graph = false);

/// The graph that backward() from `root` would walk, as Graphviz DOT text:
/// one box per op node, one ellipse per leaf (named when it has a name).
std::string to_dot(const Tensor& root);

}  // namespace gf::autograd
