// Loss functions. Most are compositions of ops that are already stable, so
// autograd derives their gradients; bce on probabilities has its own kernel
// because clamped logs would otherwise back-propagate 0 / 0.
#include "gf/ops/loss.hpp"

#include <functional>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf {
namespace {

using Grads = std::vector<Tensor>;

// Elementwise losses compare tensors of one shape and one floating dtype.
void check_pair(const char* op, const Tensor& input, const Tensor& target) {
  GF_CHECK(input.shape() == target.shape(), op, ": input ", input.shape(), " and target ", target.shape(),
           " must have the same shape");
  GF_CHECK(input.dtype() == target.dtype() && is_floating(input.dtype()), op, ": input (", input.dtype(),
           ") and target (", target.dtype(), ") must share one floating dtype");
  GF_CHECK(input.device() == target.device(), op, ": input is on ", input.device(), ", target on ", target.device());
}

Tensor apply_reduction(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::kMean:
      return mean(loss);
    case Reduction::kSum:
      return sum(loss);
    case Reduction::kNone:
      return loss;
  }
  throw Error("loss: unknown reduction");
}

Tensor pick(const Tensor& x, const Tensor& labels);

// pick's backward: the gradient goes back to the picked entries only. It is
// linear in g and its adjoint is pick itself, so under create_graph it records
// itself with pick as its backward.
Grads pick_backward(const Shape& in_shape, const Tensor& labels, const Tensor& g) {
  Tensor gx = zeros(in_shape, {g.dtype(), g.device()});
  kernels_on(gx.device()).scatter_add_dim(gx, g.reshape({in_shape[0], 1}).contiguous(),
              labels.view({in_shape[0], 1}), 1);
  if (autograd::needs_grad({g}))
    autograd::record("pick_backward", gx, {g}, [labels](const Tensor& gg) { return Grads{pick(gg, labels)}; },
                     autograd::Differentiable::kYes);
  return Grads{gx};
}

// x (N, K), labels (N,) int64 in [0, K) -> out (N,): out[n] = x[n, labels[n]].
Tensor pick(const Tensor& x, const Tensor& labels) {
  const std::int64_t n = x.size(0);
  const Tensor contiguous_labels = labels.contiguous();
  Tensor out = Tensor::empty({n, 1}, {x.dtype(), x.device()});
  kernels_on(x.device()).gather_dim(out, x.contiguous(), contiguous_labels.view({n, 1}), 1);
  out = out.view({n});
  if (autograd::needs_grad({x})) {
    autograd::record("pick", out, {x}, std::bind_front(pick_backward, x.shape(), contiguous_labels),
                     autograd::Differentiable::kYes);
  }
  return out;
}

}  // namespace

Tensor bce_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction) {
  check_pair("bce_with_logits", logits, target);
  // -[y log s(z) + (1 - y) log(1 - s(z))] = softplus(z) - z y, and softplus
  // is computed as max(z, 0) + log1p(exp(-|z|)), which never overflows.
  // Autograd gives d/dz = sigmoid(z) - y (sigmoid is the stable kernel's) and
  // d/dy = -z.
  return apply_reduction(sub(softplus(logits), mul(logits, target)), reduction);
}

namespace {
// bce's backward, elementwise, to the probabilities and to the targets.
Grads bce_backward(const Tensor& p, const Tensor& y, const Tensor& g) {
  Tensor gp = Tensor::empty(p.shape(), {p.dtype(), p.device()});
  Tensor gy = Tensor::empty(y.shape(), {y.dtype(), y.device()});
  kernels_on(gp.device()).bce_backward_probs(gp, g, p, y);
  kernels_on(gy.device()).bce_backward_target(gy, g, p);
  return Grads{gp, gy};
}

// The kernels' formulas in recorded ops, for create_graph:
//   d/dp = g (p - y) / max(p (1 - p), 1e-12),  d/dy = g (max(log(1 - p), -100) - max(log p, -100)).
Grads bce_backward_as_ops(const Tensor& p, const Tensor& y, const Tensor& g) {
  constexpr double kHuge = 1e300;  // clamp's upper bound where only the lower one matters
  const Tensor gp = div(mul(g, sub(p, y)), clamp(mul(p, rsub(1.0, p)), 1e-12, kHuge));
  const Tensor gy = mul(g, sub(clamp(log(rsub(1.0, p)), -100.0, kHuge), clamp(log(p), -100.0, kHuge)));
  return Grads{gp, gy};
}
}  // namespace

Tensor bce(const Tensor& probs, const Tensor& target, Reduction reduction) {
  check_pair("bce", probs, target);
  Tensor loss = Tensor::empty(probs.shape(), {probs.dtype(), probs.device()});
  kernels_on(loss.device()).bce(loss, probs, target);
  if (autograd::needs_grad({probs, target})) {
    autograd::record("bce", loss, {probs, target}, std::bind_front(bce_backward, probs.detach(), target.detach()),
                     std::bind_front(bce_backward_as_ops, probs, target));
  }
  return apply_reduction(loss, reduction);
}

Tensor mse_loss(const Tensor& x, const Tensor& y, Reduction reduction) {
  check_pair("mse_loss", x, y);
  return apply_reduction(square(sub(x, y)), reduction);
}

Tensor l1_loss(const Tensor& x, const Tensor& y, Reduction reduction) {
  check_pair("l1_loss", x, y);
  return apply_reduction(abs(sub(x, y)), reduction);
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  dim = wrap_dim(dim, x.dim(), "log_softmax");
  GF_CHECK(is_floating(x.dtype()), "log_softmax: expected a floating input, got ", x.dtype());
  // log softmax(x)_i = x_i - log sum_j exp(x_j). Subtracting the row maximum m
  // first keeps every exp(x_j - m) in (0, 1]; the result does not depend on m,
  // so m is a constant for autograd (detached).
  const Tensor shifted = sub(x, max(x.detach(), dim, /*keepdim=*/true));
  return sub(shifted, log(sum(exp(shifted), {dim}, /*keepdim=*/true)));
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction) {
  GF_CHECK(logits.dim() == 2, "cross_entropy: logits must be (N, K), got shape ", logits.shape());
  const std::int64_t n = logits.size(0), k = logits.size(1);
  GF_CHECK(labels.dtype() == DType::kInt64 && labels.shape() == Shape{n}, "cross_entropy: labels must be int64 of ",
           "shape ", Shape{n}, " for logits ", logits.shape(), ", got ", labels.dtype(), " ", labels.shape());
  const std::vector<std::int64_t> values = labels.to_vector<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t label = values[static_cast<std::size_t>(i)];
    GF_CHECK(label >= 0 && label < k, "cross_entropy: label ", label, " at position ", i, " is out of range [0, ", k,
             ") for logits ", logits.shape());
  }
  // loss_n = -log softmax(z_n)[label_n]; autograd gives softmax(z_n) - onehot(label_n).
  return apply_reduction(neg(pick(log_softmax(logits, 1), labels)), reduction);
}

}  // namespace gf
