// conv2d and conv_transpose2d: the im2col/GEMM kernels against their
// direct-loop reference twins on many geometries (odd sizes, stride,
// padding, dilation, groups, 1x1, the DCGAN layers, blocks of several images
// and bands of rows of large images), gradcheck in float64
// for input, weight and bias of both ops, and the shape errors.
#include <vector>

#include "kernels/kernels.hpp"
#include "cpu/reference/conv_reference.hpp"
#include "helpers.hpp"

using namespace gf;

namespace {

struct ConvCase {
  const char* name;
  Shape x;  // (N, C_in, H, W)
  std::int64_t c_out, k_h, k_w;
  Conv2dParams p;
};

// One geometry per line; the comment says what it exercises.
const std::vector<ConvCase> kConvCases = {
    {"odd sizes, padding", {2, 3, 7, 9}, 5, 3, 3, Conv2dParams::make(1, 1)},
    {"stride 2, rectangular kernel", {1, 2, 11, 8}, 4, 3, 2, {2, 2, 1, 0, 1, 1, 1}},
    {"mixed stride and padding per axis", {2, 3, 9, 10}, 3, 3, 3, {1, 3, 0, 2, 1, 1, 1}},
    {"dilation 2", {2, 3, 10, 10}, 4, 3, 3, Conv2dParams::make(1, 2, 2)},
    {"groups 2", {2, 4, 6, 7}, 6, 3, 3, Conv2dParams::make(1, 1, 1, 2)},
    {"depthwise with stride", {1, 3, 8, 8}, 3, 3, 3, Conv2dParams::make(2, 1, 1, 3)},
    {"1x1", {3, 5, 4, 4}, 7, 1, 1, {}},
    {"kernel as large as the input", {2, 2, 5, 5}, 3, 5, 5, {}},
    {"DCGAN-28 D layer 1: Conv(1,64,k4,s2,p1)", {4, 1, 28, 28}, 64, 4, 4, Conv2dParams::make(2, 1)},
    {"DCGAN-28 D layer 2: Conv(64,128,k4,s2,p1)", {2, 64, 14, 14}, 128, 4, 4, Conv2dParams::make(2, 1)},
    {"DCGAN-28 D layer 3: Conv(128,1,k7)", {3, 128, 7, 7}, 1, 7, 7, {}},
    {"window covers the input, groups 2", {3, 4, 3, 3}, 6, 3, 3, Conv2dParams::make(1, 0, 1, 2)},
    {"blocks of 6 images, then 1", {7, 12, 40, 40}, 4, 3, 3, Conv2dParams::make(1, 1)},
    {"large maps: bands of output rows", {2, 8, 100, 100}, 3, 5, 5, Conv2dParams::make(1, 2)},
    {"bands with stride 2 and dilation 2", {1, 40, 150, 130}, 2, 3, 3, Conv2dParams::make(2, 2, 2)},
};

Shape conv_weight_shape(const ConvCase& c) { return {c.c_out, c.x[1] / c.p.groups, c.k_h, c.k_w}; }

Shape conv_output_shape(const ConvCase& c) {
  const auto out = [](std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t pad, std::int64_t d) {
    return (in + 2 * pad - d * (k - 1) - 1) / s + 1;
  };
  return {c.x[0], c.c_out, out(c.x[2], c.k_h, c.p.stride_h, c.p.pad_h, c.p.dilation_h),
          out(c.x[3], c.k_w, c.p.stride_w, c.p.pad_w, c.p.dilation_w)};
}

ConvTranspose2dParams transpose_params(const Conv2dParams& p, std::int64_t output_pad_h = 0,
                                       std::int64_t output_pad_w = 0) {
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, output_pad_h, output_pad_w, p.dilation_h, p.dilation_w,
          p.groups};
}

std::vector<Tensor> leaves(std::initializer_list<Tensor> ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(t.detach().requires_grad_());
  return out;
}

}  // namespace

// Keeps the parameters opaque to the optimiser, the way a call into the library is.
[[gnu::noinline]] std::vector<std::int64_t> fields_of(Conv2dParams p) {
  return {p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w, p.groups};
}

TEST_SUITE("conv") {
  TEST_CASE("constant Conv2dParams arrive intact (GCC 12 AVX-512 SLP miscompile guard)") {
    // GCC 12.2 with -march=native on AVX-512 built {1,1,0,0,1,1,1} as
    // {1,1,1,0,1,1,1}; CMakeLists.txt turns the SLP vectoriser off for it.
    CHECK(fields_of(Conv2dParams{}) == std::vector<std::int64_t>{1, 1, 0, 0, 1, 1, 1});
    CHECK(fields_of(Conv2dParams::make(1, 0, 1, 3)) == std::vector<std::int64_t>{1, 1, 0, 0, 1, 1, 3});
    Conv2dParams grouped;
    grouped.groups = 5;
    CHECK(fields_of(grouped) == std::vector<std::int64_t>{1, 1, 0, 0, 1, 1, 5});
  }

  TEST_CASE("conv2d kernels match the direct-loop reference: forward, input and weight gradients") {
    Rng g(20);
    for (const ConvCase& c : kConvCases) {
      INFO(c.name);
      Tensor x = randn(c.x, {}, &g), w = randn(conv_weight_shape(c), {}, &g);
      const Shape ys = conv_output_shape(c);
      Tensor gy = randn(ys, {}, &g);
      Tensor y = empty(ys), y_ref = empty(ys);
      cpu::conv2d_forward(y, x, w, c.p);
      cpu::reference::conv2d_forward(y_ref, x, w, c.p);
      GF_CHECK_CLOSE(y, y_ref, 1e-4, 1e-4);

      Tensor gx = full(c.x, 7.0), gx_ref = empty(c.x);  // 7: the kernel must overwrite, not add
      cpu::conv2d_backward_input(gx, gy, w, c.p);
      cpu::reference::conv2d_backward_input(gx_ref, gy, w, c.p);
      GF_CHECK_CLOSE(gx, gx_ref, 1e-4, 1e-4);

      Tensor gw = full(w.shape(), 7.0), gw_ref = empty(w.shape());
      cpu::conv2d_backward_weight(gw, x, gy, c.p);
      cpu::reference::conv2d_backward_weight(gw_ref, x, gy, c.p);
      GF_CHECK_CLOSE(gw, gw_ref, 1e-4, 1e-3);
    }
  }

  TEST_CASE("conv2d op: output shape, bias, non-contiguous input, float64") {
    Rng g(21);
    const ConvCase& c = kConvCases[4];  // groups 2
    Tensor x = randn({c.x[0], c.x[1], c.x[3], c.x[2]}, {DType::kFloat64}, &g).transpose(2, 3);  // a view
    Tensor w = randn(conv_weight_shape(c), {DType::kFloat64}, &g), b = randn({c.c_out}, {DType::kFloat64}, &g);
    Tensor y = conv2d(x, w, b, c.p);
    CHECK(y.shape() == conv_output_shape(c));
    Tensor y_ref = empty(y.shape(), {DType::kFloat64});
    cpu::reference::conv2d_forward(y_ref, x.contiguous(), w, c.p);
    GF_CHECK_CLOSE(y, y_ref + b.view({1, c.c_out, 1, 1}), 1e-12, 1e-12);
  }

  TEST_CASE("conv_transpose2d forward is conv2d's input gradient: DCGAN layers, output_padding, groups, dilation") {
    struct TCase {
      const char* name;
      Shape x;  // (N, C_in, H, W)
      std::int64_t c_out, k;
      ConvTranspose2dParams p;
      Shape expected;
    };
    const std::vector<TCase> cases = {
        {"DCGAN-28 G layer 1: ConvT(100,256,k7,s1,p0) on 1x1", {2, 100, 1, 1}, 256, 7, {}, {2, 256, 7, 7}},
        {"DCGAN-28 G layer 2: ConvT(256,128,k4,s2,p1)",
         {2, 256, 7, 7},
         128,
         4,
         ConvTranspose2dParams::make(2, 1),
         {2, 128, 14, 14}},
        {"DCGAN-28 G layer 3: ConvT(128,1,k4,s2,p1)",
         {3, 128, 14, 14},
         1,
         4,
         ConvTranspose2dParams::make(2, 1),
         {3, 1, 28, 28}},
        {"DCGAN-64 G layer 1: ConvT(100,512,k4,s1,p0)", {2, 100, 1, 1}, 512, 4, {}, {2, 512, 4, 4}},
        {"output_padding 1", {2, 3, 5, 5}, 4, 3, ConvTranspose2dParams::make(2, 1, 1), {2, 4, 10, 10}},
        {"stride 3, output_padding 2, odd sizes",
         {1, 2, 4, 3},
         3,
         2,
         ConvTranspose2dParams::make(3, 0, 2),
         {1, 3, 13, 10}},
        {"groups 2", {2, 4, 5, 6}, 6, 3, ConvTranspose2dParams::make(2, 1, 0, 1, 2), {2, 6, 9, 11}},
        {"dilation 2, output_padding < dilation",
         {2, 3, 4, 5},
         2,
         3,
         ConvTranspose2dParams::make(1, 1, 1, 2),
         {2, 2, 7, 8}},
    };
    Rng g(22);
    for (const TCase& c : cases) {
      INFO(c.name);
      Tensor x = randn(c.x, {}, &g);
      Tensor w = randn({c.x[1], c.c_out / c.p.groups, c.k, c.k}, {}, &g), b = randn({c.c_out}, {}, &g);
      Tensor y = conv_transpose2d(x, w, b, c.p);
      REQUIRE(y.shape() == c.expected);
      Tensor y_ref = empty(c.expected);
      cpu::reference::conv2d_backward_input(y_ref, x, w,
                                            {c.p.stride_h, c.p.stride_w, c.p.pad_h, c.p.pad_w, c.p.dilation_h,
                                             c.p.dilation_w, c.p.groups});
      GF_CHECK_CLOSE(y, y_ref + b.view({1, c.c_out, 1, 1}), 1e-4, 1e-4);
    }
  }

  TEST_CASE("conv2d passes gradcheck for input, weight and bias") {
    Rng g(23);
    const TensorOptions f64{DType::kFloat64};
    const Conv2dParams configs[] = {
        Conv2dParams::make(1, 1),           // padding
        {2, 1, 1, 0, 1, 1, 2},              // stride (2, 1), groups 2
        Conv2dParams::make(1, 2, 2),        // dilation 2
    };
    for (const Conv2dParams& p : configs) {
      CAPTURE(p.groups);
      GF_CHECK_GRAD([p](auto& in) { return conv2d(in[0], in[1], in[2], p); },
                    leaves({randn({2, 4, 5, 6}, f64, &g), randn({4, 4 / p.groups, 3, 3}, f64, &g),
                            randn({4}, f64, &g)}));
    }
  }

  TEST_CASE("conv_transpose2d passes gradcheck for input, weight and bias") {
    Rng g(24);
    const TensorOptions f64{DType::kFloat64};
    const ConvTranspose2dParams configs[] = {
        ConvTranspose2dParams::make(2, 1, 1),        // stride 2, padding, output_padding
        ConvTranspose2dParams::make(1, 0, 0, 1, 2),  // groups 2
        ConvTranspose2dParams::make(2, 1, 0, 2),     // dilation 2
    };
    for (const ConvTranspose2dParams& p : configs) {
      CAPTURE(p.groups);
      GF_CHECK_GRAD([p](auto& in) { return conv_transpose2d(in[0], in[1], in[2], p); },
                    leaves({randn({2, 4, 3, 4}, f64, &g), randn({4, 6 / p.groups, 3, 3}, f64, &g),
                            randn({6}, f64, &g)}));
    }
  }

  TEST_CASE("a window covering the whole input (run as a fully connected layer) passes gradcheck") {
    Rng g(25);
    const TensorOptions f64{DType::kFloat64};
    GF_CHECK_GRAD([](auto& in) { return conv2d(in[0], in[1], in[2], Conv2dParams::make(1, 0, 1, 2)); },
                  leaves({randn({2, 4, 3, 3}, f64, &g), randn({6, 2, 3, 3}, f64, &g), randn({6}, f64, &g)}));
    const auto grouped = ConvTranspose2dParams::make(1, 0, 0, 1, 2);
    GF_CHECK_GRAD([grouped](auto& in) { return conv_transpose2d(in[0], in[1], in[2], grouped); },
                  leaves({randn({2, 4, 1, 1}, f64, &g), randn({4, 3, 3, 3}, f64, &g), randn({6}, f64, &g)}));
  }

  TEST_CASE("backward computes only the gradients asked for, and they accumulate") {
    Tensor x = ones({1, 1, 3, 3});  // an image: needs no gradient
    Tensor w = ones({1, 1, 2, 2}).requires_grad_();
    for (int i = 0; i < 2; ++i) sum(conv2d(x, w)).backward();
    CHECK(w.grad().to_vector<float>() == std::vector<float>(4, 8.0f));  // 4 windows, twice
    CHECK_FALSE(x.grad().defined());
  }

  TEST_CASE("shape errors name the op, the shapes and what was expected") {
    CHECK_THROWS_WITH_AS(conv2d(zeros({1, 4, 5, 5}), zeros({2, 3, 3, 3})),
                         "conv2d: weight has 3 input channels per group, input has 4 channels and groups=1",
                         gf::Error);
    CHECK_THROWS_WITH_AS(conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), Tensor(), Conv2dParams::make(1, 0, 1, 2)),
                         doctest::Contains("3 output channels, not divisible by groups=2"), gf::Error);
    CHECK_THROWS_WITH_AS(conv2d(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})),
                         "conv2d: input (1, 1, 2, 2) padded to (2, 2) is smaller than the dilated kernel (3, 3)",
                         gf::Error);
    CHECK_THROWS_WITH_AS(conv2d(zeros({4, 5, 5}), zeros({1, 4, 3, 3})),
                         "conv2d: input must be 4-D (N, C, H, W), got (4, 5, 5)", gf::Error);
    CHECK_THROWS_WITH_AS(conv2d(zeros({1, 1, 4, 4}), zeros({2, 1, 3, 3}), zeros({3})),
                         doctest::Contains("bias (3,) should have one value per output channel (2)"), gf::Error);
    CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({1, 99, 1, 1}), zeros({100, 8, 4, 4})),
                         doctest::Contains("weight (100, 8, 4, 4) has 100 input channels, input has 99"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 2, 3, 3}), Tensor(),
                                          ConvTranspose2dParams::make(2, 1, 2)),
                         doctest::Contains("output_padding (2, 2) must be >= 0 and smaller than stride (2, 2)"),
                         gf::Error);
  }
}
