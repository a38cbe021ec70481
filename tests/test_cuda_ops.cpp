// Every op on the GPU against the same op on the CPU: outputs and gradients
// for random inputs of several shapes, odd sizes included (the CPU kernels are
// themselves checked against naive references and gradcheck elsewhere).
// float32 within 1e-4 of the output's magnitude; TF32 paths within 1e-2.
// Each case skips itself when there is no GPU.
#include "cuda_helpers.hpp"

using namespace gf;
using gf::test::check_on_gpu;
using gf::test::Draw;
using gf::test::Inputs;

namespace {

// Shapes for elementwise ops: a vector, odd matrices, a 4-D block, and one
// large enough to need many thread blocks.
const std::vector<Shape> kShapes = {{7}, {3, 5}, {2, 3, 17}, {4, 1, 9, 11}, {129, 1031}};

// (a, b) pairs that broadcast: trailing ones, leading dims, a 0-D scalar tensor.
const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{3, 1, 5}, {4, 5}}, {{2, 3, 4}, {1}}, {{6, 1}, {1, 7}}, {{}, {5, 3}}, {{2, 1, 3, 1}, {4, 1, 6}}};

std::string label(const std::string& op, const Shape& shape) { return op + " " + shape.str(); }

}  // namespace

TEST_SUITE("cuda_ops") {
  TEST_CASE("binary elementwise ops, same shape and broadcast") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    using Binary = Tensor (*)(const Tensor&, const Tensor&);
    const std::vector<std::pair<const char*, Binary>> ops = {
        {"add", add}, {"sub", sub}, {"mul", mul}, {"maximum", maximum}, {"minimum", minimum}};
    Draw d(1);
    for (const Shape& s : kShapes)
      for (const auto& [name, op] : ops)
        check_on_gpu(label(name, s), [op](const Inputs& in) { return op(in[0], in[1]); },
                     {d.normal(s), d.normal(s)});
    for (const auto& [sa, sb] : kBroadcastPairs) {
      for (const auto& [name, op] : ops)
        check_on_gpu(std::string(name) + " " + sa.str() + " with " + sb.str(),
                     [op](const Inputs& in) { return op(in[0], in[1]); }, {d.normal(sa), d.normal(sb)});
      // Division and powers need denominators away from 0 and positive bases.
      check_on_gpu("div " + sa.str() + " / " + sb.str(), [](const Inputs& in) { return div(in[0], in[1]); },
                   {d.normal(sa), d.uniform(sb, 0.5, 2.0)});
      check_on_gpu("pow " + sa.str() + " ^ " + sb.str(), [](const Inputs& in) { return pow(in[0], in[1]); },
                   {d.uniform(sa, 0.5, 2.0), d.normal(sb)});
    }
  }

  TEST_CASE("scalar forms: x op s and s op x") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(2);
    for (const Shape& s : kShapes) {
      const Tensor x = d.normal(s), positive = d.uniform(s, 0.5, 2.0);
      check_on_gpu(label("add s", s), [](const Inputs& in) { return add(in[0], 2.5); }, {x});
      check_on_gpu(label("sub s", s), [](const Inputs& in) { return sub(in[0], -1.25); }, {x});
      check_on_gpu(label("mul s", s), [](const Inputs& in) { return mul(in[0], 3.0); }, {x});
      check_on_gpu(label("div s", s), [](const Inputs& in) { return div(in[0], 7.0); }, {x});
      check_on_gpu(label("rsub", s), [](const Inputs& in) { return rsub(1.5, in[0]); }, {x});
      check_on_gpu(label("rdiv", s), [](const Inputs& in) { return rdiv(2.0, in[0]); }, {positive});
      check_on_gpu(label("pow 3", s), [](const Inputs& in) { return pow(in[0], 3.0); }, {x});
      check_on_gpu(label("pow 0.5", s), [](const Inputs& in) { return pow(in[0], 0.5); }, {positive});
    }
  }

  TEST_CASE("every unary op, activations and clamp") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    using Unary = Tensor (*)(const Tensor&);
    // Ops defined on all reals get N(0, 1) inputs; log and sqrt positive ones.
    const std::vector<std::pair<const char*, Unary>> on_reals = {
        {"neg", neg},     {"exp", exp},         {"abs", abs},   {"square", square},
        {"tanh", gf::tanh}, {"sigmoid", sigmoid}, {"relu", relu}, {"softplus", softplus}};
    const std::vector<std::pair<const char*, Unary>> on_positives = {{"log", log}, {"sqrt", sqrt}};
    Draw d(3);
    for (const Shape& s : kShapes) {
      const Tensor x = mul(d.normal(s), 3.0), positive = d.uniform(s, 0.1, 4.0);
      for (const auto& [name, op] : on_reals)
        check_on_gpu(label(name, s), [op](const Inputs& in) { return op(in[0]); }, {x});
      for (const auto& [name, op] : on_positives)
        check_on_gpu(label(name, s), [op](const Inputs& in) { return op(in[0]); }, {positive});
      check_on_gpu(label("leaky_relu 0.2", s), [](const Inputs& in) { return leaky_relu(in[0], 0.2); }, {x});
      check_on_gpu(label("clamp [-0.5, 0.7]", s), [](const Inputs& in) { return clamp(in[0], -0.5, 0.7); }, {x});
    }
  }

  TEST_CASE("reductions: sum, mean, var, max, argmax over dims and over everything") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(4);
    const std::vector<Shape> shapes = {{7}, {5, 7, 9}, {2, 3, 4, 5}, {3, 40001}};
    for (const Shape& s : shapes) {
      const Tensor x = d.normal(s);
      const std::int64_t last = s.dim() - 1;
      check_on_gpu(label("sum", s), [](const Inputs& in) { return sum(in[0]); }, {x});
      check_on_gpu(label("mean", s), [](const Inputs& in) { return mean(in[0]); }, {x});
      check_on_gpu(label("var", s), [](const Inputs& in) { return var(in[0]); }, {x});
      check_on_gpu(label("max", s), [](const Inputs& in) { return max(in[0]); }, {x});
      check_on_gpu(label("argmax", s), [](const Inputs& in) { return argmax(in[0]); }, {x});
      for (std::int64_t dim = 0; dim <= last; ++dim) {
        const std::string at = " dim " + std::to_string(dim);
        check_on_gpu(label("sum", s) + at, [dim](const Inputs& in) { return sum(in[0], {dim}); }, {x});
        check_on_gpu(label("mean keepdim", s) + at, [dim](const Inputs& in) { return mean(in[0], {dim}, true); },
                     {x});
        check_on_gpu(label("var biased", s) + at, [dim](const Inputs& in) { return var(in[0], {dim}, false); },
                     {x});
        check_on_gpu(label("max", s) + at, [dim](const Inputs& in) { return max(in[0], dim); }, {x});
        check_on_gpu(label("argmax keepdim", s) + at, [dim](const Inputs& in) { return argmax(in[0], dim, true); },
                     {x});
      }
      if (s.dim() >= 3) {  // several dims at once, not adjacent
        check_on_gpu(label("sum dims {0, 2}", s), [](const Inputs& in) { return sum(in[0], {0, 2}); }, {x});
        check_on_gpu(label("var dims {0, 2}", s), [](const Inputs& in) { return var(in[0], {0, 2}); }, {x});
      }
    }
  }

  TEST_CASE("sort: values, indices and the gradient, along every dim, ascending and descending") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(14);
    for (const Shape& s : std::vector<Shape>{{7}, {5, 9}, {3, 4, 17}, {2, 3001}}) {
      const Tensor x = d.normal(s);  // continuous: no ties, so the order is unique
      for (std::int64_t dim = 0; dim < s.dim(); ++dim)
        for (const bool descending : {false, true}) {
          const std::string at = " dim " + std::to_string(dim) + (descending ? " descending" : "");
          check_on_gpu(label("sort values", s) + at,
                       [dim, descending](const Inputs& in) { return sort(in[0], dim, descending).values; }, {x});
          check_on_gpu(label("sort indices", s) + at,
                       [dim, descending](const Inputs& in) { return sort(in[0].detach(), dim, descending).indices; },
                       {x});
        }
    }
  }

  TEST_CASE("matmul: 2-D, batched, broadcast, transposed operands, linear") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(5);
    auto mm = [](const Inputs& in) { return matmul(in[0], in[1]); };
    check_on_gpu("matmul (37, 53) @ (53, 29)", mm, {d.normal({37, 53}), d.normal({53, 29})});
    check_on_gpu("matmul (1, 1) @ (1, 1)", mm, {d.normal({1, 1}), d.normal({1, 1})});
    check_on_gpu("matmul (64, 128) @ (128, 96)", mm, {d.normal({64, 128}), d.normal({128, 96})});
    check_on_gpu("batched (3, 17, 19) @ (3, 19, 5)", mm, {d.normal({3, 17, 19}), d.normal({3, 19, 5})});
    check_on_gpu("broadcast (4, 7, 9) @ (9, 6)", mm, {d.normal({4, 7, 9}), d.normal({9, 6})});
    check_on_gpu("broadcast (7, 9) @ (4, 9, 6)", mm, {d.normal({7, 9}), d.normal({4, 9, 6})});
    check_on_gpu("transposed operands (13, 21)^T @ (11, 13)^T",
                 [](const Inputs& in) { return matmul(in[0].t(), in[1].t()); },
                 {d.normal({13, 21}), d.normal({11, 13})});
    check_on_gpu("batched with a permuted operand",
                 [](const Inputs& in) { return matmul(in[0].permute({0, 2, 1}), in[1]); },
                 {d.normal({2, 8, 5}), d.normal({2, 8, 3})});
    auto lin = [](const Inputs& in) { return linear(in[0], in[1], in[2]); };
    check_on_gpu("linear (9, 31) -> 17 with bias", lin, {d.normal({9, 31}), d.normal({17, 31}), d.normal({17})});
    check_on_gpu("linear (1, 31) -> 17 with bias", lin, {d.normal({1, 31}), d.normal({17, 31}), d.normal({17})});
    check_on_gpu("linear without bias", lin, {d.normal({6, 10}), d.normal({3, 10}), Tensor()});
  }

  TEST_CASE("matmul and conv2d with TF32 allowed stay within 1e-2") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    const test::Tf32Guard tf32(true);
    Draw d(6);
    check_on_gpu("TF32 matmul (256, 512) @ (512, 384)", [](const Inputs& in) { return matmul(in[0], in[1]); },
                 {d.normal({256, 512}), d.normal({512, 384})}, test::kTf32Rtol);
    check_on_gpu("TF32 conv2d (8, 64, 16, 16) * (128, 64, 4, 4) stride 2",
                 [](const Inputs& in) { return conv2d(in[0], in[1], Tensor(), Conv2dParams::make(2, 1)); },
                 {d.normal({8, 64, 16, 16}), d.normal({128, 64, 4, 4})}, test::kTf32Rtol);
  }

  TEST_CASE("conv2d: stride, padding, dilation, groups, rectangular kernels, bias") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    struct Case {
      const char* what;
      Shape x, w;
      Conv2dParams p;
      bool bias;
    };
    const std::vector<Case> cases = {
        {"3x3 same padding", {2, 3, 9, 11}, {5, 3, 3, 3}, Conv2dParams::make(1, 1), true},
        {"4x4 stride 2 (DCGAN D)", {3, 4, 16, 15}, {6, 4, 4, 4}, Conv2dParams::make(2, 1), false},
        {"dilation 2, groups 2", {2, 4, 13, 13}, {4, 2, 3, 3}, Conv2dParams::make(1, 2, 2, 2), true},
        {"depthwise, stride 3", {2, 6, 17, 10}, {6, 1, 3, 3}, Conv2dParams::make(3, 1, 1, 6), true},
        {"1x5 kernel, stride (2, 1), pad (0, 2)", {1, 3, 8, 10}, {2, 3, 1, 5}, {2, 1, 0, 2, 1, 1, 1}, true},
        {"whole-image kernel (DCGAN-28 D's last layer)", {5, 8, 7, 7}, {1, 8, 7, 7}, {}, false},
        {"1x1 kernel", {3, 16, 5, 5}, {7, 16, 1, 1}, {}, true},
    };
    Draw d(7);
    for (const Case& c : cases) {
      const Conv2dParams p = c.p;
      check_on_gpu(std::string("conv2d ") + c.what,
                   [p](const Inputs& in) { return conv2d(in[0], in[1], in[2], p); },
                   {d.normal(c.x), d.normal(c.w), c.bias ? d.normal({c.w[0]}) : Tensor()});
    }
  }

  TEST_CASE("conv_transpose2d: stride, padding, output padding, dilation, groups") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    struct Case {
      const char* what;
      Shape x, w;  // w (C_in, C_out / groups, kh, kw)
      ConvTranspose2dParams p;
      bool bias;
    };
    const std::vector<Case> cases = {
        {"4x4 stride 2 pad 1 (DCGAN G)", {2, 6, 4, 4}, {6, 3, 4, 4}, ConvTranspose2dParams::make(2, 1), false},
        {"1x1 input to 7x7 (DCGAN-28 G's first layer)", {3, 5, 1, 1}, {5, 4, 7, 7}, {}, false},
        {"output padding 1", {2, 4, 5, 6}, {4, 3, 3, 3}, ConvTranspose2dParams::make(2, 1, 1), true},
        {"groups 2, dilation 2", {2, 4, 5, 5}, {4, 2, 3, 3}, ConvTranspose2dParams::make(2, 2, 1, 2, 2), true},
        {"stride (3, 1), rectangular", {1, 3, 4, 7}, {3, 2, 2, 5}, {3, 1, 0, 1, 0, 0, 1, 1, 1}, true},
    };
    Draw d(8);
    for (const Case& c : cases) {
      const ConvTranspose2dParams p = c.p;
      const std::int64_t out_channels = c.w[1] * p.groups;
      check_on_gpu(std::string("conv_transpose2d ") + c.what,
                   [p](const Inputs& in) { return conv_transpose2d(in[0], in[1], in[2], p); },
                   {d.normal(c.x), d.normal(c.w), c.bias ? d.normal({out_channels}) : Tensor()});
    }
  }

  TEST_CASE("batch_norm: training updates running statistics like the CPU; eval uses them") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(9);
    const std::vector<Shape> shapes = {{4, 3, 5, 7}, {16, 5}, {2, 64, 8, 8}, {3, 2, 1, 1}};
    for (const Shape& s : shapes) {
      const std::int64_t C = s[1];
      // x, gamma, beta, running_mean, running_var (the last two updated in place).
      const Inputs in = {add(mul(d.normal(s), 2.0), 0.5), d.uniform({C}, 0.5, 1.5), d.normal({C}),
                         d.normal({C}), d.uniform({C}, 0.5, 2.0)};
      const auto train = check_on_gpu(
          label("batch_norm training", s),
          [](const Inputs& t) { return batch_norm(t[0], t[1], t[2], t[3], t[4], true, 0.1, 1e-5); }, in,
          test::kGpuRtol, {3, 4});
      INFO("running statistics after training ", s);
      test::check_gpu_matches(train.gpu[3], train.cpu[3]);
      test::check_gpu_matches(train.gpu[4], train.cpu[4]);
      check_on_gpu(label("batch_norm eval", s),
                   [](const Inputs& t) { return batch_norm(t[0], t[1], t[2], t[3], t[4], false); }, in,
                   test::kGpuRtol, {3, 4});
    }
    check_on_gpu("batch_norm training without affine or running statistics",
                 [](const Inputs& t) { return batch_norm(t[0], Tensor(), Tensor(), Tensor(), Tensor(), true); },
                 {d.normal({5, 3, 4, 4})});
  }

  TEST_CASE("instance_norm with and without affine parameters") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(10);
    for (const Shape& s : std::vector<Shape>{{2, 3, 5, 7}, {1, 8, 16, 16}, {3, 4, 9}}) {
      const std::int64_t C = s[1];
      check_on_gpu(label("instance_norm affine", s),
                   [](const Inputs& t) { return instance_norm(t[0], t[1], t[2]); },
                   {d.normal(s), d.uniform({C}, 0.5, 1.5), d.normal({C})});
      check_on_gpu(label("instance_norm plain", s), [](const Inputs& t) { return instance_norm(t[0]); },
                   {d.normal(s)});
    }
  }

  TEST_CASE("max and average pooling, nearest and bilinear upsampling") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(11);
    for (const Shape& s : std::vector<Shape>{{2, 3, 9, 11}, {1, 4, 8, 8}, {3, 2, 17, 6}}) {
      const Tensor x = d.normal(s);
      check_on_gpu(label("max_pool2d 2", s), [](const Inputs& in) { return max_pool2d(in[0], 2); }, {x});
      check_on_gpu(label("max_pool2d 3 stride 2 pad 1", s), [](const Inputs& in) { return max_pool2d(in[0], 3, 2, 1); },
                   {x});
      check_on_gpu(label("avg_pool2d 2", s), [](const Inputs& in) { return avg_pool2d(in[0], 2); }, {x});
      check_on_gpu(label("avg_pool2d 3 stride 2 pad 1", s), [](const Inputs& in) { return avg_pool2d(in[0], 3, 2, 1); },
                   {x});
      for (std::int64_t scale : {2, 3}) {
        const std::string by = " x" + std::to_string(scale);
        check_on_gpu(label("upsample nearest", s) + by,
                     [scale](const Inputs& in) { return upsample2d(in[0], scale, UpsampleMode::kNearest); }, {x});
        check_on_gpu(label("upsample bilinear", s) + by,
                     [scale](const Inputs& in) { return upsample2d(in[0], scale, UpsampleMode::kBilinear); }, {x});
      }
    }
  }

  TEST_CASE("pad2d zero and reflect, cat and stack") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(12);
    const Tensor x = d.normal({2, 3, 5, 6});
    check_on_gpu("pad2d zero (1, 2, 3, 0)",
                 [](const Inputs& in) { return pad2d(in[0], 1, 2, 3, 0, PadMode::kZero); }, {x});
    check_on_gpu("pad2d reflect (2, 1, 1, 3)",
                 [](const Inputs& in) { return pad2d(in[0], 2, 1, 1, 3, PadMode::kReflect); }, {x});
    check_on_gpu("pad2d reflect (4, 4, 4, 4) of a 3-D image",
                 [](const Inputs& in) { return pad2d(in[0], 4, 4, 4, 4, PadMode::kReflect); },
                 {d.normal({3, 7, 9})});
    for (std::int64_t dim = 0; dim < 3; ++dim) {
      Shape a{4, 5, 6}, b{4, 5, 6}, c{4, 5, 6};
      a[static_cast<std::size_t>(dim)] = 1, b[static_cast<std::size_t>(dim)] = 3;
      check_on_gpu("cat dim " + std::to_string(dim),
                   [dim](const Inputs& in) { return cat({in[0], in[1], in[2]}, dim); },
                   {d.normal(a), d.normal(b), d.normal(c)});
      check_on_gpu("stack dim " + std::to_string(dim),
                   [dim](const Inputs& in) { return stack({in[0], in[1]}, dim); }, {d.normal(c), d.normal(c)});
    }
  }

  TEST_CASE("dropout: the same generator seed drops the same elements on both devices") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(13);
    for (const Shape& s : kShapes) {
      // A fresh generator per call, so the CPU and the GPU draw the same mask.
      check_on_gpu(label("dropout 0.3", s),
                   [](const Inputs& in) {
                     Rng g(42);
                     return dropout(in[0], 0.3, true, &g);
                   },
                   {d.normal(s)});
    }
  }

  TEST_CASE("losses: bce_with_logits, bce, mse, l1, cross_entropy, log_softmax, every reduction") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(14);
    const std::vector<std::pair<const char*, Reduction>> reductions = {
        {"mean", Reduction::kMean}, {"sum", Reduction::kSum}, {"none", Reduction::kNone}};
    for (const Shape& s : std::vector<Shape>{{7}, {16}, {5, 3, 4}}) {
      for (const auto& [rname, r] : reductions) {
        const std::string how = " " + s.str() + " " + rname;
        check_on_gpu("bce_with_logits" + how, [r](const Inputs& in) { return bce_with_logits(in[0], in[1], r); },
                     {mul(d.normal(s), 3.0), d.uniform(s, 0.0, 1.0)});
        check_on_gpu("bce" + how, [r](const Inputs& in) { return bce(in[0], in[1], r); },
                     {d.uniform(s, 0.05, 0.95), d.uniform(s, 0.0, 1.0)});
        check_on_gpu("mse_loss" + how, [r](const Inputs& in) { return mse_loss(in[0], in[1], r); },
                     {d.normal(s), d.normal(s)});
        check_on_gpu("l1_loss" + how, [r](const Inputs& in) { return l1_loss(in[0], in[1], r); },
                     {d.normal(s), d.normal(s)});
      }
    }
    for (const auto& [n, c] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 2}, {9, 10}, {64, 7}}) {
      const Tensor logits = mul(d.normal({n, c}), 2.0), labels = d.labels({n}, c);
      for (const auto& [rname, r] : reductions)
        check_on_gpu("cross_entropy (" + std::to_string(n) + ", " + std::to_string(c) + ") " + rname,
                     [r](const Inputs& in) { return cross_entropy(in[0], in[1], r); }, {logits, labels});
      check_on_gpu("log_softmax dim 1", [](const Inputs& in) { return log_softmax(in[0], 1); }, {logits});
    }
  }
}
