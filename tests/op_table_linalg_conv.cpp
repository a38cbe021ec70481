// The op table's matrix and convolution rows: matmul (2-D, batched,
// broadcast, transposed operands), linear, conv2d, conv_transpose2d and
// conv2d_weight_grad (conv2d's weight gradient as an op, for double backward).
#include "cpu/reference/conv_reference.hpp"
#include "op_table.hpp"
#include "op_table_naive.hpp"

namespace gf::test {
namespace {

/// a (..., M, K) @ b (..., K, N) by the schoolbook triple loop, the leading
/// (batch) dims broadcast against each other.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const std::int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  Shape batch =
      broadcast_shapes(Shape(std::vector<std::int64_t>(a.shape().begin(), a.shape().end() - 2)),
                       Shape(std::vector<std::int64_t>(b.shape().begin(), b.shape().end() - 2)), "naive_matmul");
  Shape sa = batch, sb = batch, sy = batch;
  sa.insert(sa.end(), {M, K}), sb.insert(sb.end(), {K, N}), sy.insert(sy.end(), {M, N});
  const std::vector<double> va = naive::values(a.expand(sa)), vb = naive::values(b.expand(sb));
  std::vector<double> y(static_cast<std::size_t>(sy.numel()), 0.0);
  for (std::int64_t p = 0; p < batch.numel(); ++p)
    for (std::int64_t i = 0; i < M; ++i)
      for (std::int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (std::int64_t k = 0; k < K; ++k)
          s += va[static_cast<std::size_t>((p * M + i) * K + k)] * vb[static_cast<std::size_t>((p * K + k) * N + j)];
        y[static_cast<std::size_t>((p * M + i) * N + j)] = s;
      }
  return naive::tensor(y, sy);
}

/// y + bias broadcast over (N, C, H, W)'s channels; y unchanged without a bias.
Tensor plus_channel_bias(const Tensor& y, const Tensor& bias) {
  if (!bias.defined()) return y;
  return naive::zip(y, bias.reshape({1, bias.numel(), 1, 1}), [](double a, double b) { return a + b; });
}

/// conv2d through the direct-loop reference twin (src/cpu/reference), in double.
Tensor reference_conv2d(const Inputs& in, const Conv2dParams& p) {
  const Tensor &x = in[0], &w = in[1];
  const std::int64_t h = (x.size(2) + 2 * p.pad_h - p.dilation_h * (w.size(2) - 1) - 1) / p.stride_h + 1;
  const std::int64_t wd = (x.size(3) + 2 * p.pad_w - p.dilation_w * (w.size(3) - 1) - 1) / p.stride_w + 1;
  const Tensor y = empty({x.size(0), w.size(0), h, wd}, {DType::kFloat64});
  cpu::reference::conv2d_forward(y, x.detach().contiguous(), w.detach().contiguous(), p);
  return plus_channel_bias(y, in[2]);
}

/// conv_transpose2d is conv2d's input gradient with x in the role of dy.
Tensor reference_conv_transpose2d(const Inputs& in, const ConvTranspose2dParams& p) {
  const Tensor &x = in[0], &w = in[1];
  const std::int64_t h =
      (x.size(2) - 1) * p.stride_h - 2 * p.pad_h + p.dilation_h * (w.size(2) - 1) + p.output_pad_h + 1;
  const std::int64_t wd =
      (x.size(3) - 1) * p.stride_w - 2 * p.pad_w + p.dilation_w * (w.size(3) - 1) + p.output_pad_w + 1;
  const Tensor y = empty({x.size(0), w.size(1) * p.groups, h, wd}, {DType::kFloat64});
  cpu::reference::conv2d_backward_input(
      y, x.detach().contiguous(), w.detach().contiguous(),
      {p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups});
  return plus_channel_bias(y, in[2]);
}

/// conv2d's weight gradient from x (in[0]) and the output gradient (in[1])
/// through the direct-loop reference twin, in double.
Tensor reference_conv2d_weight_grad(const Inputs& in, std::int64_t kh, std::int64_t kw, const Conv2dParams& p) {
  const Tensor &x = in[0], &g = in[1];
  const Tensor gw = empty({g.size(1), x.size(1) / p.groups, kh, kw}, {DType::kFloat64});
  cpu::reference::conv2d_backward_weight(gw, x.detach().contiguous(), g.detach().contiguous(), p);
  return gw;
}

}  // namespace

std::vector<OpRow> linalg_conv_rows() {
  Draw d(5);
  OpRow mm{"matmul", {}}, lin{"linear", {}}, conv{"conv2d", {}}, convt{"conv_transpose2d", {}},
      convw{"conv2d_weight_grad", {}};
  const OpFn matmul_op = [](const Inputs& in) { return matmul(in[0], in[1]); };
  const OpFn matmul_ref = [](const Inputs& in) { return naive_matmul(in[0], in[1]); };
  for (const auto& [a, b] : std::vector<std::pair<Shape, Shape>>{{{37, 53}, {53, 29}},
                                                                 {{1, 1}, {1, 1}},
                                                                 {{64, 128}, {128, 96}},
                                                                 {{3, 17, 19}, {3, 19, 5}},
                                                                 {{4, 7, 9}, {9, 6}},
                                                                 {{7, 9}, {4, 9, 6}},
                                                                 {{3, 4}, {4, 5}}})
    mm.cases.push_back({a.str() + " @ " + b.str(), {d.normal(a), d.normal(b)}, matmul_op, matmul_ref});
  mm.cases.push_back({"transposed operands (13, 21)^T @ (11, 13)^T",
                      {d.normal({13, 21}), d.normal({11, 13})},
                      [](const Inputs& in) { return matmul(in[0].t(), in[1].t()); },
                      [](const Inputs& in) { return naive_matmul(in[0].t(), in[1].t()); }});
  mm.cases.push_back({"batched with a permuted operand",
                      {d.normal({2, 8, 5}), d.normal({2, 8, 3})},
                      [](const Inputs& in) {
                        return matmul(in[0].permute({0, 2, 1}), in[1]);
                      },
                      [](const Inputs& in) {
                        return naive_matmul(in[0].permute({0, 2, 1}), in[1]);
                      }});

  const OpFn linear_op = [](const Inputs& in) { return linear(in[0], in[1], in[2]); };
  const OpFn linear_ref = [](const Inputs& in) {
    const Tensor y = naive_matmul(in[0], in[1].t());
    if (!in[2].defined()) return y;
    return naive::zip(y, in[2], [](double a, double b) { return a + b; });
  };
  lin.cases.push_back(
      {"(9, 31) -> 17 with bias", {d.normal({9, 31}), d.normal({17, 31}), d.normal({17})}, linear_op, linear_ref});
  lin.cases.push_back(
      {"(1, 31) -> 17 with bias", {d.normal({1, 31}), d.normal({17, 31}), d.normal({17})}, linear_op, linear_ref});
  lin.cases.push_back(
      {"(6, 10) -> 3 without bias", {d.normal({6, 10}), d.normal({3, 10}), Tensor()}, linear_op, linear_ref});

  struct ConvCase {
    const char* what;
    Shape x, w;
    Conv2dParams p;
    bool bias;
  };
  for (const ConvCase& c : std::vector<ConvCase>{
           {"3x3 same padding", {2, 3, 9, 11}, {5, 3, 3, 3}, Conv2dParams::make(1, 1), true},
           {"4x4 stride 2 (DCGAN D)", {3, 4, 16, 15}, {6, 4, 4, 4}, Conv2dParams::make(2, 1), false},
           {"dilation 2, groups 2", {2, 4, 13, 13}, {4, 2, 3, 3}, Conv2dParams::make(1, 2, 2, 2), true},
           {"depthwise, stride 3", {2, 6, 17, 10}, {6, 1, 3, 3}, Conv2dParams::make(3, 1, 1, 6), true},
           {"1x5 kernel, stride (2, 1), pad (0, 2)", {1, 3, 8, 10}, {2, 3, 1, 5}, {2, 1, 0, 2, 1, 1, 1}, true},
           {"whole-image kernel (DCGAN-28 D's last layer)", {5, 8, 7, 7}, {1, 8, 7, 7}, {}, false},
           {"1x1 kernel", {3, 16, 5, 5}, {7, 16, 1, 1}, {}, true},
           {"small, stride (2, 1), groups 2", {2, 4, 5, 6}, {4, 2, 3, 3}, {2, 1, 1, 0, 1, 1, 2}, true},
       }) {
    const Conv2dParams p = c.p;
    conv.cases.push_back({c.what,
                          {d.normal(c.x), d.normal(c.w), c.bias ? d.normal({c.w[0]}) : Tensor()},
                          [p](const Inputs& in) { return conv2d(in[0], in[1], in[2], p); },
                          [p](const Inputs& in) { return reference_conv2d(in, p); }});
  }

  struct ConvTCase {
    const char* what;
    Shape x, w;  // w (C_in, C_out / groups, kh, kw)
    ConvTranspose2dParams p;
    bool bias;
  };
  for (const ConvTCase& c : std::vector<ConvTCase>{
           {"4x4 stride 2 pad 1 (DCGAN G)", {2, 6, 4, 4}, {6, 3, 4, 4}, ConvTranspose2dParams::make(2, 1), false},
           {"1x1 input to 7x7 (DCGAN-28 G's first layer)", {3, 5, 1, 1}, {5, 4, 7, 7}, {}, false},
           {"output padding 1", {2, 4, 5, 6}, {4, 3, 3, 3}, ConvTranspose2dParams::make(2, 1, 1), true},
           {"groups 2, dilation 2", {2, 4, 5, 5}, {4, 2, 3, 3}, ConvTranspose2dParams::make(2, 2, 1, 2, 2), true},
           {"stride (3, 1), rectangular", {1, 3, 4, 7}, {3, 2, 2, 5}, {3, 1, 0, 1, 0, 0, 1, 1, 1}, true},
       }) {
    const ConvTranspose2dParams p = c.p;
    const std::int64_t out_channels = c.w[1] * p.groups;
    convt.cases.push_back({c.what,
                           {d.normal(c.x), d.normal(c.w), c.bias ? d.normal({out_channels}) : Tensor()},
                           [p](const Inputs& in) { return conv_transpose2d(in[0], in[1], in[2], p); },
                           [p](const Inputs& in) { return reference_conv_transpose2d(in, p); }});
  }
  struct WeightGradCase {
    const char* what;
    Shape x, g;  // g (N, C_out, H_out, W_out): the output gradient of conv2d(x, w, p)
    std::int64_t kh, kw;
    Conv2dParams p;
  };
  for (const WeightGradCase& c : std::vector<WeightGradCase>{
           {"4x4 stride 2 pad 1 (DCGAN D)", {2, 3, 8, 8}, {2, 5, 4, 4}, 4, 4, Conv2dParams::make(2, 1)},
           {"3x3, dilation 2, groups 2", {1, 4, 9, 9}, {1, 6, 5, 5}, 3, 3, Conv2dParams::make(1, 0, 2, 2)},
           {"odd input, stride 2 (rows the conv never reads)", {1, 2, 7, 6}, {1, 3, 3, 3}, 3, 2, Conv2dParams::make(2)},
       }) {
    const Conv2dParams p = c.p;
    const std::int64_t kh = c.kh, kw = c.kw;
    convw.cases.push_back({c.what,
                           {d.normal(c.x), d.normal(c.g)},
                           [=](const Inputs& in) { return conv2d_weight_grad(in[0], in[1], kh, kw, p); },
                           [=](const Inputs& in) { return reference_conv2d_weight_grad(in, kh, kw, p); }});
  }
  return {mm, lin, conv, convt, convw};
}

}  // namespace gf::test
