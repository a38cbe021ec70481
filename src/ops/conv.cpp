// conv2d and conv_transpose2d: checks, the kernel calls, and their named
// backward functions (conv2d_backward, conv_transpose2d_backward).
//
// Both ops run on the same three kernels (kernels/twins.inc). A transposed
// convolution is the adjoint of a convolution: its forward pass is the
// convolution's input gradient, and its backward pass uses the convolution's
// forward and weight-gradient kernels with input and output swapped. The bias
// is added, and its gradient summed, over (N, H, W) in both.
//
// For double backward each op also records its backward written in these ops
// themselves (used only under create_graph): conv2d's input gradient is a
// transposed convolution with the same weight, its weight gradient the op
// conv2d_weight_grad, and conv_transpose2d's the same pair the other way round.
#include "gf/ops/conv.hpp"

#include <functional>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/profile/profiler.hpp"
#include "gf/ops/reduce.hpp"

namespace gf {

using autograd::input_gradient_wanted;
namespace {

using Grads = std::vector<Tensor>;

void check_operands(const char* op, const Tensor& x, const Tensor& w, const Tensor& bias) {
  GF_CHECK(x.device() == w.device(), op, ": input is on ", x.device(), ", weight on ", w.device());
  GF_CHECK(x.dtype() == w.dtype(), op, ": input is ", x.dtype(), ", weight is ", w.dtype());
  GF_CHECK(is_floating(x.dtype()), op, ": expected float32 or float64, got ", x.dtype());
  GF_CHECK(x.dim() == 4, op, ": input must be 4-D (N, C, H, W), got ", x.shape());
  GF_CHECK(w.dim() == 4, op, ": weight must be 4-D, got ", w.shape());
  if (bias.defined()) {
    GF_CHECK(bias.device() == x.device() && bias.dtype() == x.dtype(), op, ": bias is ", bias.dtype(), " on ",
             bias.device(), ", input is ", x.dtype(), " on ", x.device());
    GF_CHECK(bias.dim() == 1, op, ": bias must be 1-D (C_out,), got ", bias.shape());
  }
}

void check_window(const char* op, std::int64_t stride_h, std::int64_t stride_w, std::int64_t pad_h, std::int64_t pad_w,
                  std::int64_t dilation_h, std::int64_t dilation_w, std::int64_t groups) {
  GF_CHECK(stride_h >= 1 && stride_w >= 1, op, ": stride must be >= 1, got (", stride_h, ", ", stride_w, ")");
  GF_CHECK(pad_h >= 0 && pad_w >= 0, op, ": padding must be >= 0, got (", pad_h, ", ", pad_w, ")");
  GF_CHECK(dilation_h >= 1 && dilation_w >= 1, op, ": dilation must be >= 1, got (", dilation_h, ", ", dilation_w, ")");
  GF_CHECK(groups >= 1, op, ": groups must be >= 1, got ", groups);
}

void check_bias(const char* op, const Tensor& bias, std::int64_t c_out) {
  if (bias.defined())
    GF_CHECK(bias.size(0) == c_out, op, ": bias ", bias.shape(), " should have one value per output channel (", c_out,
             ")");
}

/// conv2d's output size along one axis: (in + 2 pad - dilation (kernel - 1) - 1) / stride + 1.
std::int64_t conv_output_extent(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                                std::int64_t dilation) {
  return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
}

/// conv_transpose2d's output size along one axis, before output padding:
/// (in - 1) stride - 2 pad + dilation (kernel - 1) + 1, the size conv2d maps back to `in`.
std::int64_t transposed_output_extent(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                                      std::int64_t dilation) {
  return (in - 1) * stride - 2 * pad + dilation * (kernel - 1) + 1;
}

/// The convolution whose input gradient a transposed convolution computes.
Conv2dParams adjoint_conv(const ConvTranspose2dParams& p) {
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups};
}

/// y += bias broadcast over (N, H, W), in place; y is freshly made by the op.
void add_bias(const Tensor& y, const Tensor& bias) {
  if (bias.defined())
    kernels_on(y.device()).binary(BinaryOp::kAdd, y, y, bias.detach().view({1, bias.size(0), 1, 1}));
}

Tensor empty_like_shape(const Tensor& like, const Shape& shape) {
  return Tensor::empty(shape, {like.dtype(), like.device()});
}

/// Floating-point work of one of the three convolution kernels, for the
/// profiler: each output of the convolution (`conv_out`; for a transposed
/// convolution its input, the output of the adjoint) sums (C_in / groups) kH kW
/// products, 2 flops each. The input and weight gradients take the same count.
double conv_flops(const Tensor& conv_out, const Tensor& weight) {
  return 2.0 * static_cast<double>(conv_out.numel()) * static_cast<double>(weight.numel() / weight.size(0));
}

/// conv2d's backward: g (N, C_out, H_out, W_out) to the gradients of the input
/// x (N, C_in, H, W), the weight (C_out, C_in / groups, kH, kW) and the bias,
/// each only where the sweep wants it (autograd::input_gradient_wanted).
Grads conv2d_backward(const Tensor& xc, const Tensor& wc, Conv2dParams p, double flops, const Tensor& g) {
  const Tensor gc = g.detach().contiguous();
  Tensor gx, gw, gb;
  if (input_gradient_wanted(0)) {  // scatter each output's gradient back through its window: col2im
    gx = empty_like_shape(xc, xc.shape());
    kernels_on(gx.device()).conv2d_backward_input(gx, gc, wc, p);
    Profiler::add_work(flops, 0);
  }
  if (input_gradient_wanted(1)) {  // correlate the input with the output gradient
    gw = empty_like_shape(wc, wc.shape());
    kernels_on(gw.device()).conv2d_backward_weight(gw, xc, gc, p);
    Profiler::add_work(flops, 0);
  }
  if (input_gradient_wanted(2)) gb = sum(g, {0, 2, 3});  // the bias touched every (n, h, w)
  return Grads{gx, gw, gb};
}

/// conv2d's backward in differentiable ops, for create_graph: the same three
/// gradients, recorded, with x and w captured as they are (not detached).
Grads conv2d_backward_as_ops(const Tensor& x, const Tensor& w, Conv2dParams p, const Tensor& g) {
  const std::int64_t kh = w.size(2), kw = w.size(3);
  Tensor gx, gw, gb;
  if (input_gradient_wanted(0))
    gx = conv_transpose2d(g, w, Tensor(),
                          conv2d_input_grad_params(p, x.size(2), x.size(3), g.size(2), g.size(3), kh, kw));
  if (input_gradient_wanted(1)) gw = conv2d_weight_grad(x, g, kh, kw, p);
  if (input_gradient_wanted(2)) gb = sum(g, {0, 2, 3});
  return Grads{gx, gw, gb};
}

}  // namespace

ConvTranspose2dParams conv2d_input_grad_params(Conv2dParams p, std::int64_t h, std::int64_t w, std::int64_t h_out,
                                               std::int64_t w_out, std::int64_t kernel_h, std::int64_t kernel_w) {
  // A strided convolution drops the last (H + 2 pad - span) mod stride rows;
  // output_padding puts them back, so the transposed output has the input's size.
  const std::int64_t base_h = transposed_output_extent(h_out, kernel_h, p.stride_h, p.pad_h, p.dilation_h);
  const std::int64_t base_w = transposed_output_extent(w_out, kernel_w, p.stride_w, p.pad_w, p.dilation_w);
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, h - base_h, w - base_w, p.dilation_h, p.dilation_w, p.groups};
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dParams p) {
  const char* op = "conv2d";
  check_operands(op, x, weight, bias);
  check_window(op, p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups);
  const std::int64_t n = x.size(0), c_in = x.size(1), c_out = weight.size(0);
  const std::int64_t kh = weight.size(2), kw = weight.size(3);
  GF_CHECK(c_in % p.groups == 0, op, ": input ", x.shape(), " has ", c_in,
           " channels, not divisible by groups=", p.groups);
  GF_CHECK(c_out % p.groups == 0, op, ": weight ", weight.shape(), " has ", c_out,
           " output channels, not divisible by groups=", p.groups);
  GF_CHECK(weight.size(1) * p.groups == c_in, op, ": weight has ", weight.size(1),
           " input channels per group, input has ", c_in, " channels and groups=", p.groups);
  check_bias(op, bias, c_out);
  // H_out = (H + 2 pad - dilation (k - 1) - 1) / stride + 1; the dilated kernel must fit the padded input.
  const std::int64_t span_h = p.dilation_h * (kh - 1) + 1, span_w = p.dilation_w * (kw - 1) + 1;
  const std::int64_t padded_h = x.size(2) + 2 * p.pad_h, padded_w = x.size(3) + 2 * p.pad_w;
  GF_CHECK(padded_h >= span_h && padded_w >= span_w, op, ": input ", x.shape(), " padded to (", padded_h, ", ",
           padded_w, ") is smaller than the dilated kernel (", span_h, ", ", span_w, ")");
  const std::int64_t h_out = conv_output_extent(x.size(2), kh, p.stride_h, p.pad_h, p.dilation_h);
  const std::int64_t w_out = conv_output_extent(x.size(3), kw, p.stride_w, p.pad_w, p.dilation_w);

  const Tensor xc = x.detach().contiguous(), wc = weight.detach().contiguous();
  Tensor y = empty_like_shape(x, {n, c_out, h_out, w_out});
  kernels_on(y.device()).conv2d_forward(y, xc, wc, p);
  add_bias(y, bias);
  const double flops = conv_flops(y, wc);
  Profiler::add_work(flops, 0);

  if (autograd::needs_grad({x, weight, bias}))
    autograd::record(op, y, {x, weight, bias},
                     std::bind_front(conv2d_backward, xc, wc, p, flops),
                     std::bind_front(conv2d_backward_as_ops, x, weight, p));
  return y;
}

namespace {

/// conv_transpose2d's backward: g (N, C_out, H_out, W_out) to the gradients of
/// the input x (N, C_in, H, W), the weight (C_in, C_out / groups, kH, kW) and
/// the bias. `cp` is the adjoint convolution's parameters.
Grads conv_transpose2d_backward(const Tensor& xc, const Tensor& wc, Conv2dParams cp, double flops, const Tensor& g) {
  const Tensor gc = g.detach().contiguous();
  Tensor gx, gw, gb;
  if (input_gradient_wanted(0)) {  // the adjoint of the adjoint: the convolution itself
    gx = empty_like_shape(xc, xc.shape());
    kernels_on(gx.device()).conv2d_forward(gx, gc, wc, cp);
    Profiler::add_work(flops, 0);
  }
  if (input_gradient_wanted(1)) {  // conv2d's weight gradient, g as its input and x as its output gradient
    gw = empty_like_shape(wc, wc.shape());
    kernels_on(gw.device()).conv2d_backward_weight(gw, gc, xc, cp);
    Profiler::add_work(flops, 0);
  }
  if (input_gradient_wanted(2)) gb = sum(g, {0, 2, 3});
  return Grads{gx, gw, gb};
}

/// conv_transpose2d's backward in differentiable ops, for create_graph: the
/// input gradient is the adjoint convolution of g, the weight gradient that
/// convolution's weight gradient with g as its input and x as its output gradient.
Grads conv_transpose2d_backward_as_ops(const Tensor& x, const Tensor& w, Conv2dParams cp, const Tensor& g) {
  Tensor gx, gw, gb;
  if (input_gradient_wanted(0)) gx = conv2d(g, w, Tensor(), cp);
  if (input_gradient_wanted(1)) gw = conv2d_weight_grad(g, x, w.size(2), w.size(3), cp);
  if (input_gradient_wanted(2)) gb = sum(g, {0, 2, 3});
  return Grads{gx, gw, gb};
}

}  // namespace

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, ConvTranspose2dParams p) {
  const char* op = "conv_transpose2d";
  check_operands(op, x, weight, bias);
  check_window(op, p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups);
  const std::int64_t n = x.size(0), c_in = x.size(1), c_out = weight.size(1) * p.groups;
  const std::int64_t kh = weight.size(2), kw = weight.size(3);
  GF_CHECK(c_in % p.groups == 0, op, ": input ", x.shape(), " has ", c_in,
           " channels, not divisible by groups=", p.groups);
  GF_CHECK(weight.size(0) == c_in, op, ": weight ", weight.shape(), " has ", weight.size(0),
           " input channels, input has ", c_in, " (weight is (C_in, C_out / groups, kH, kW))");
  check_bias(op, bias, c_out);
  // output_padding picks one of the sizes that the adjoint convolution maps back to H; it
  // must be smaller than the stride (or dilation) or it would name a size for another H.
  GF_CHECK(p.output_pad_h >= 0 && p.output_pad_w >= 0 &&
               (p.output_pad_h < p.stride_h || p.output_pad_h < p.dilation_h) &&
               (p.output_pad_w < p.stride_w || p.output_pad_w < p.dilation_w),
           op, ": output_padding (", p.output_pad_h, ", ", p.output_pad_w, ") must be >= 0 and smaller than stride (",
           p.stride_h, ", ", p.stride_w, ") or dilation (", p.dilation_h, ", ", p.dilation_w, ")");
  // H_out = (H - 1) stride - 2 pad + dilation (k - 1) + output_pad + 1
  const std::int64_t h_out =
      transposed_output_extent(x.size(2), kh, p.stride_h, p.pad_h, p.dilation_h) + p.output_pad_h;
  const std::int64_t w_out =
      transposed_output_extent(x.size(3), kw, p.stride_w, p.pad_w, p.dilation_w) + p.output_pad_w;
  GF_CHECK(h_out > 0 && w_out > 0, op, ": input ", x.shape(), " with kernel (", kh, ", ", kw, ") and padding (",
           p.pad_h, ", ", p.pad_w, ") gives an empty output (", h_out, ", ", w_out, ")");

  const Conv2dParams cp = adjoint_conv(p);
  const Tensor xc = x.detach().contiguous(), wc = weight.detach().contiguous();
  Tensor y = empty_like_shape(x, {n, c_out, h_out, w_out});
  // y is the input gradient of the convolution y -> x with the same weight.
  kernels_on(y.device()).conv2d_backward_input(y, xc, wc, cp);
  add_bias(y, bias);
  const double flops = conv_flops(x, wc);  // x is the adjoint convolution's output
  Profiler::add_work(flops, 0);

  if (autograd::needs_grad({x, weight, bias}))
    autograd::record(op, y, {x, weight, bias},
                     std::bind_front(conv_transpose2d_backward, xc, wc, cp, flops),
                     std::bind_front(conv_transpose2d_backward_as_ops, x, weight, cp));
  return y;
}

namespace {
/// conv2d_weight_grad's backward: gw = W(x, g) is bilinear, with
/// <W(x, g), ggw> = <conv2d(x, ggw), g>, so d/dg = conv2d(x, ggw) and d/dx is
/// conv2d's input gradient with weight ggw. Both are recorded ops again.
Grads conv2d_weight_grad_backward(const Tensor& x, const Tensor& g, Conv2dParams p, const Tensor& ggw) {
  Tensor gx, gg;
  if (input_gradient_wanted(0))
    gx = conv_transpose2d(g, ggw, Tensor(),
                          conv2d_input_grad_params(p, x.size(2), x.size(3), g.size(2), g.size(3), ggw.size(2),
                                                   ggw.size(3)));
  if (input_gradient_wanted(1)) gg = conv2d(x, ggw, Tensor(), p);
  return Grads{gx, gg};
}
}  // namespace

Tensor conv2d_weight_grad(const Tensor& x, const Tensor& grad_output, std::int64_t kernel_h, std::int64_t kernel_w,
                          Conv2dParams p) {
  const char* op = "conv2d_weight_grad";
  GF_CHECK(x.device() == grad_output.device() && x.dtype() == grad_output.dtype(), op, ": input is ", x.dtype(), " on ",
           x.device(), ", output gradient is ", grad_output.dtype(), " on ", grad_output.device());
  GF_CHECK(is_floating(x.dtype()), op, ": expected float32 or float64, got ", x.dtype());
  GF_CHECK(x.dim() == 4 && grad_output.dim() == 4, op, ": input and output gradient must be 4-D (N, C, H, W), got ",
           x.shape(), " and ", grad_output.shape());
  check_window(op, p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups);
  const std::int64_t c_in = x.size(1), c_out = grad_output.size(1);
  GF_CHECK(kernel_h >= 1 && kernel_w >= 1, op, ": kernel size must be >= 1, got (", kernel_h, ", ", kernel_w, ")");
  GF_CHECK(grad_output.size(0) == x.size(0), op, ": input ", x.shape(), " and output gradient ", grad_output.shape(),
           " have different batch sizes");
  GF_CHECK(c_in % p.groups == 0 && c_out % p.groups == 0, op, ": input ", x.shape(), " and output gradient ",
           grad_output.shape(), " have channel counts not divisible by groups=", p.groups);
  // The output gradient must have the shape conv2d(x, w) would have had.
  const std::int64_t h_out = conv_output_extent(x.size(2), kernel_h, p.stride_h, p.pad_h, p.dilation_h);
  const std::int64_t w_out = conv_output_extent(x.size(3), kernel_w, p.stride_w, p.pad_w, p.dilation_w);
  GF_CHECK(grad_output.size(2) == h_out && grad_output.size(3) == w_out, op, ": output gradient ", grad_output.shape(),
           " does not match conv2d's output (", h_out, ", ", w_out, ") for input ", x.shape(), " and kernel (",
           kernel_h, ", ", kernel_w, ")");

  const Tensor xc = x.detach().contiguous(), gc = grad_output.detach().contiguous();
  Tensor gw = empty_like_shape(x, {c_out, c_in / p.groups, kernel_h, kernel_w});
  kernels_on(gw.device()).conv2d_backward_weight(gw, xc, gc, p);
  Profiler::add_work(conv_flops(gc, gw), 0);
  if (autograd::needs_grad({x, grad_output}))
    autograd::record(op, gw, {x, grad_output},
                     std::bind_front(conv2d_weight_grad_backward, x, grad_output, p),
                     autograd::Differentiable::kYes);
  return gw;
}

}  // namespace gf
