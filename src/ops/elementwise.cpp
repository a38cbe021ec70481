// Elementwise ops: each forward with its named backward (add_backward,
// mul_backward ...) right above it.
//
// Double backward (docs/autograd.md): a backward written in ops on captured
// inputs that are not detached is recorded with Differentiable::kYes and serves
// create_graph as it is. Where the fast backward reads the op's own output
// (exp, tanh, sigmoid ...; capturing the output itself would make a cycle), a
// second function recomputes it from the input, used only under create_graph.
// A mask multiply (leaky_relu, clamp) records itself: its gradient is the same
// mask multiply.
#include "gf/ops/elementwise.hpp"

#include <functional>

#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/reduce.hpp"
#include "kernels/kernels.hpp"
#include "ops/checks.hpp"

namespace gf {
namespace {

using detail::check_same_kind;
using Grads = std::vector<Tensor>;

Tensor binary_forward(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  check_same_kind(name, a, b);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), {a.dtype(), a.device()});
  kernels_on(out.device()).binary(op, out, a, b);
  return out;
}

Tensor unary_forward(UnaryOp op, const Tensor& x) {
  Tensor out = Tensor::empty(x.shape(), {x.dtype(), x.device()});
  kernels_on(out.device()).unary(op, out, x);
  return out;
}

Tensor scalar_forward(BinaryOp op, const Tensor& x, double s) {
  Tensor out = Tensor::empty(x.shape(), {x.dtype(), x.device()});
  kernels_on(out.device()).binary_scalar(op, out, x, s);
  return out;
}

}  // namespace

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  // Sum the leading dims broadcasting added, then the dims that were size 1.
  const std::int64_t lead = grad.dim() - shape.dim();
  std::vector<std::int64_t> dims;
  for (std::int64_t i = 0; i < grad.dim(); ++i)
    if (i < lead || (shape[static_cast<std::size_t>(i - lead)] == 1 && grad.size(i) != 1)) dims.push_back(i);
  Tensor s = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return s.reshape(shape);
}

// ---- binary -------------------------------------------------------------------
// Each op's backward is the named function just above it, taking what the
// forward saved and the output's gradient g; record() binds the saved values.

namespace {
Grads add_backward(const Shape& sa, const Shape& sb, const Tensor& g) { return Grads{sum_to(g, sa), sum_to(g, sb)}; }
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("add", BinaryOp::kAdd, a, b);
  if (autograd::needs_grad({a, b}))
    autograd::record("add", out, {a, b}, std::bind_front(add_backward, a.shape(), b.shape()),
                     autograd::Differentiable::kYes);
  return out;
}

namespace {
Grads sub_backward(const Shape& sa, const Shape& sb, const Tensor& g) {
  return Grads{sum_to(g, sa), sum_to(neg(g), sb)};
}
}  // namespace

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("sub", BinaryOp::kSub, a, b);
  if (autograd::needs_grad({a, b}))
    autograd::record("sub", out, {a, b}, std::bind_front(sub_backward, a.shape(), b.shape()),
                     autograd::Differentiable::kYes);
  return out;
}

namespace {
// d(ab)/da = b, d(ab)/db = a
Grads mul_backward(const Tensor& a, const Tensor& b, const Tensor& g) {
  return Grads{sum_to(mul(g, b), a.shape()), sum_to(mul(g, a), b.shape())};
}
}  // namespace

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("mul", BinaryOp::kMul, a, b);
  if (autograd::needs_grad({a, b}))
    autograd::record("mul", out, {a, b}, std::bind_front(mul_backward, a, b), autograd::Differentiable::kYes);
  return out;
}

namespace {
// d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
Grads div_backward(const Tensor& a, const Tensor& b, const Tensor& g) {
  return Grads{sum_to(div(g, b), a.shape()), sum_to(neg(div(mul(g, a), mul(b, b))), b.shape())};
}
}  // namespace

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("div", BinaryOp::kDiv, a, b);
  if (autograd::needs_grad({a, b}))
    autograd::record("div", out, {a, b}, std::bind_front(div_backward, a, b), autograd::Differentiable::kYes);
  return out;
}

namespace {
// d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a
Grads pow_backward(const Tensor& a, const Tensor& b, const Tensor& y, const Tensor& g) {
  return Grads{sum_to(mul(g, mul(b, pow(a, sub(b, 1.0)))), a.shape()), sum_to(mul(g, mul(y, log(a))), b.shape())};
}
}  // namespace

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward("pow", BinaryOp::kPow, a, b);
  if (autograd::needs_grad({a, b}))
    autograd::record("pow", out, {a, b}, std::bind_front(pow_backward, a.detach(), b.detach(), out.detach()));
  return out;
}

namespace {
// max/min send the gradient to the chosen input (to `a` on ties).
Grads select_binary_backward(const Tensor& a, const Tensor& b, const Tensor& y, const Tensor& g) {
  // take_a = 1 where y == a (sign(|y - a|) is 0 there, 1 elsewhere)
  Tensor take_a = rsub(1.0, unary_forward(UnaryOp::kSign, abs(sub(y, a))));
  return Grads{sum_to(mul(g, take_a), a.shape()), sum_to(mul(g, rsub(1.0, take_a)), b.shape())};
}

Tensor select_binary(const char* name, BinaryOp op, const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(name, op, a, b);
  if (autograd::needs_grad({a, b}))
    autograd::record(name, out, {a, b}, std::bind_front(select_binary_backward, a.detach(), b.detach(), out.detach()));
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return select_binary("maximum", BinaryOp::kMax, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return select_binary("minimum", BinaryOp::kMin, a, b); }

// ---- with a scalar ----------------------------------------------------------

namespace {
Grads add_scalar_backward(const Tensor& g) { return Grads{g}; }
}  // namespace

Tensor add(const Tensor& a, double s) {
  Tensor out = scalar_forward(BinaryOp::kAdd, a, s);
  if (autograd::needs_grad({a}))
    autograd::record("add_scalar", out, {a}, add_scalar_backward, autograd::Differentiable::kYes);
  return out;
}

Tensor sub(const Tensor& a, double s) { return add(a, -s); }

namespace {
Grads mul_scalar_backward(double s, const Tensor& g) { return Grads{mul(g, s)}; }
}  // namespace

Tensor mul(const Tensor& a, double s) {
  Tensor out = scalar_forward(BinaryOp::kMul, a, s);
  if (autograd::needs_grad({a}))
    autograd::record("mul_scalar", out, {a}, std::bind_front(mul_scalar_backward, s), autograd::Differentiable::kYes);
  return out;
}

Tensor div(const Tensor& a, double s) { return mul(a, 1.0 / s); }

namespace {
// d(a^p)/da = p a^(p-1)
Grads pow_scalar_backward(const Tensor& a, double exponent, const Tensor& g) {
  return Grads{mul(g, mul(pow(a, exponent - 1.0), exponent))};
}
}  // namespace

Tensor pow(const Tensor& a, double exponent) {
  Tensor out = scalar_forward(BinaryOp::kPow, a, exponent);
  if (autograd::needs_grad({a}))
    autograd::record("pow_scalar", out, {a}, std::bind_front(pow_scalar_backward, a, exponent),
                     autograd::Differentiable::kYes);
  return out;
}

namespace {
Grads rsub_backward(const Tensor& g) { return Grads{neg(g)}; }
}  // namespace

Tensor rsub(double s, const Tensor& a) {
  Tensor out = Tensor::empty(a.shape(), {a.dtype(), a.device()});
  kernels_on(out.device()).scalar_binary(BinaryOp::kSub, out, s, a);
  if (autograd::needs_grad({a})) autograd::record("rsub", out, {a}, rsub_backward, autograd::Differentiable::kYes);
  return out;
}

namespace {
// d(s/a)/da = -s/a^2 = -y/a
Grads rdiv_backward(const Tensor& a, const Tensor& y, const Tensor& g) { return Grads{neg(div(mul(g, y), a))}; }
// The same with y = s/a recomputed from a, so that it is recorded.
Grads rdiv_backward_as_ops(double s, const Tensor& a, const Tensor& g) { return rdiv_backward(a, rdiv(s, a), g); }
}  // namespace

Tensor rdiv(double s, const Tensor& a) {
  Tensor out = Tensor::empty(a.shape(), {a.dtype(), a.device()});
  kernels_on(out.device()).scalar_binary(BinaryOp::kDiv, out, s, a);
  if (autograd::needs_grad({a}))
    autograd::record("rdiv", out, {a}, std::bind_front(rdiv_backward, a.detach(), out.detach()),
                     std::bind_front(rdiv_backward_as_ops, s, a));
  return out;
}

// ---- unary --------------------------------------------------------------------

namespace {
Grads neg_backward(const Tensor& g) { return Grads{neg(g)}; }
}  // namespace

Tensor neg(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kNeg, x);
  if (autograd::needs_grad({x})) autograd::record("neg", out, {x}, neg_backward, autograd::Differentiable::kYes);
  return out;
}

namespace {
// d e^x = e^x
Grads exp_backward(const Tensor& y, const Tensor& g) { return Grads{mul(g, y)}; }
Grads exp_backward_as_ops(const Tensor& x, const Tensor& g) { return exp_backward(exp(x), g); }
}  // namespace

Tensor exp(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kExp, x);
  if (autograd::needs_grad({x}))
    autograd::record("exp", out, {x}, std::bind_front(exp_backward, out.detach()),
                     std::bind_front(exp_backward_as_ops, x));
  return out;
}

namespace {
// d log x = 1/x
Grads log_backward(const Tensor& x, const Tensor& g) { return Grads{div(g, x)}; }
}  // namespace

Tensor log(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kLog, x);
  if (autograd::needs_grad({x}))
    autograd::record("log", out, {x}, std::bind_front(log_backward, x), autograd::Differentiable::kYes);
  return out;
}

namespace {
// d sqrt(x) = 1 / (2 sqrt(x))
Grads sqrt_backward(const Tensor& y, const Tensor& g) { return Grads{div(g, mul(y, 2.0))}; }
Grads sqrt_backward_as_ops(const Tensor& x, const Tensor& g) { return sqrt_backward(sqrt(x), g); }
}  // namespace

Tensor sqrt(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kSqrt, x);
  if (autograd::needs_grad({x}))
    autograd::record("sqrt", out, {x}, std::bind_front(sqrt_backward, out.detach()),
                     std::bind_front(sqrt_backward_as_ops, x));
  return out;
}

namespace {
// d|x| = sign(x) (0 at 0); the sign is a constant mask (its own derivative is 0 a.e.)
Grads abs_backward(const Tensor& x, const Tensor& g) { return Grads{mul(g, unary_forward(UnaryOp::kSign, x))}; }
}  // namespace

Tensor abs(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kAbs, x);
  if (autograd::needs_grad({x}))
    autograd::record("abs", out, {x}, std::bind_front(abs_backward, x.detach()), autograd::Differentiable::kYes);
  return out;
}

namespace {
// d x^2 = 2x
Grads square_backward(const Tensor& x, const Tensor& g) { return Grads{mul(g, mul(x, 2.0))}; }
}  // namespace

Tensor square(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kSquare, x);
  if (autograd::needs_grad({x}))
    autograd::record("square", out, {x}, std::bind_front(square_backward, x), autograd::Differentiable::kYes);
  return out;
}

namespace {
// 1 inside [lo, hi], 0 where clamped: a mask multiply, linear in g, so under
// create_graph it records itself (the mask is constant in x almost everywhere).
Grads clamp_backward(const Tensor& x, double lo, double hi, const Tensor& g) {
  Tensor gx = Tensor::empty(x.shape(), {x.dtype(), x.device()});
  kernels_on(gx.device()).clamp_backward(gx, g, x, lo, hi);
  if (autograd::needs_grad({g}))
    autograd::record("clamp_backward", gx, {g}, std::bind_front(clamp_backward, x, lo, hi),
                     autograd::Differentiable::kYes);
  return Grads{gx};
}
}  // namespace

Tensor clamp(const Tensor& x, double lo, double hi) {
  GF_CHECK(lo <= hi, "clamp: lo ", lo, " > hi ", hi);
  Tensor out = Tensor::empty(x.shape(), {x.dtype(), x.device()});
  kernels_on(out.device()).clamp(out, x, lo, hi);
  if (autograd::needs_grad({x}))
    autograd::record("clamp", out, {x}, std::bind_front(clamp_backward, x.detach(), lo, hi),
                     autograd::Differentiable::kYes);
  return out;
}

namespace {
// d tanh = 1 - tanh^2
Grads tanh_backward(const Tensor& y, const Tensor& g) { return Grads{mul(g, rsub(1.0, mul(y, y)))}; }
Grads tanh_backward_as_ops(const Tensor& x, const Tensor& g) { return tanh_backward(tanh(x), g); }
}  // namespace

Tensor tanh(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kTanh, x);
  if (autograd::needs_grad({x}))
    autograd::record("tanh", out, {x}, std::bind_front(tanh_backward, out.detach()),
                     std::bind_front(tanh_backward_as_ops, x));
  return out;
}

namespace {
// d s = s (1 - s)
Grads sigmoid_backward(const Tensor& y, const Tensor& g) { return Grads{mul(g, mul(y, rsub(1.0, y)))}; }
Grads sigmoid_backward_as_ops(const Tensor& x, const Tensor& g) { return sigmoid_backward(sigmoid(x), g); }
}  // namespace

Tensor sigmoid(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kSigmoid, x);
  if (autograd::needs_grad({x}))
    autograd::record("sigmoid", out, {x}, std::bind_front(sigmoid_backward, out.detach()),
                     std::bind_front(sigmoid_backward_as_ops, x));
  return out;
}

Tensor relu(const Tensor& x) { return leaky_relu(x, 0.0); }

namespace {
// 1 where x > 0, slope elsewhere: a mask multiply, linear in g, so under
// create_graph it records itself (the mask is constant in x almost everywhere).
Grads leaky_relu_backward(const Tensor& x, double slope, const Tensor& g) {
  Tensor gx = Tensor::empty(x.shape(), {x.dtype(), x.device()});
  kernels_on(gx.device()).leaky_relu_backward(gx, g, x, slope);
  if (autograd::needs_grad({g}))
    autograd::record("leaky_relu_backward", gx, {g}, std::bind_front(leaky_relu_backward, x, slope),
                     autograd::Differentiable::kYes);
  return Grads{gx};
}
}  // namespace

Tensor leaky_relu(const Tensor& x, double slope) {
  Tensor out = Tensor::empty(x.shape(), {x.dtype(), x.device()});
  kernels_on(out.device()).leaky_relu(out, x, slope);
  if (autograd::needs_grad({x}))
    autograd::record(slope == 0.0 ? "relu" : "leaky_relu", out, {x},
                     std::bind_front(leaky_relu_backward, x.detach(), slope), autograd::Differentiable::kYes);
  return out;
}

namespace {
// d softplus = sigmoid
Grads softplus_backward(const Tensor& x, const Tensor& g) { return Grads{mul(g, sigmoid(x))}; }
}  // namespace

Tensor softplus(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::kSoftplus, x);
  if (autograd::needs_grad({x}))
    autograd::record("softplus", out, {x}, std::bind_front(softplus_backward, x), autograd::Differentiable::kYes);
  return out;
}

}  // namespace gf
