// The feed-forward style network (Johnson et al.): shapes, parameter count
// against the PyTorch twin, the low-resolution upsample + conv path against
// the plain upsample -> reflection pad -> conv computation (forward and
// gradients), the direct convolution kernel against the reference twin,
// and a save/load round trip.
#include <algorithm>
#include <vector>

#include "kernels/kernels.hpp"
#include "cpu/conv_direct.hpp"
#include "cpu/reference/conv_reference.hpp"
#include "gf/image/color.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/models/style/style_net.hpp"
#include "gf/optim/adam.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;

TEST_SUITE("style_net") {
  TEST_CASE("StyleNet: output shape and range, parameter count of the PyTorch twin") {
    Rng g(1);
    models::StyleNet net({}, &g);
    // sum(p.numel() for p in StyleNet().parameters()) of benchmarks/pytorch/style_net.py
    // (torch 1.13, `/usr/bin/python3 benchmarks/pytorch/style_net.py --count`).
    CHECK(net.num_parameters() == 1679235);
    CHECK(net.named_parameters().front().first == "head.conv.weight");
    CHECK(net.state_dict().size() == net.named_parameters().size());  // instance norm keeps no buffers

    models::StyleNet small({8, 2}, &g);
    NoGradGuard no_grad;
    for (const Shape& s : {Shape{2, 3, 16, 24}, Shape{1, 3, 13, 10}, Shape{1, 3, 5, 6}}) {
      INFO("input ", s);
      const Tensor y = small.forward(rand(s, {}, &g));
      CHECK(y.shape() == s);  // sizes that are not multiples of 4 come back cropped to the input
      const auto v = y.to_vector<float>();
      CHECK(*std::min_element(v.begin(), v.end()) >= 0.0f);
      CHECK(*std::max_element(v.begin(), v.end()) <= 1.0f);
    }
    // Without autograd the biases before instance norm are skipped: the same output.
    const Tensor x = rand({1, 3, 12, 12}, {}, &g);
    const Tensor inference = small.forward(x);
    {
      GradMode::set_enabled(true);
      const Tensor training = small.forward(x).detach();
      GradMode::set_enabled(false);
      GF_CHECK_CLOSE(inference, training, 1e-5, 1e-6);
    }
    CHECK(test::error_of([&] { small.forward(zeros({1, 1, 8, 8})); }).find("(N, 3, H, W)") != std::string::npos);
    CHECK(test::error_of([] { models::StyleNet({0, 5}); }).find("width") != std::string::npos);
  }

  TEST_CASE("upsampling stage at low resolution equals upsample -> reflection pad -> conv") {
    Rng g(2);
    for (const DType dtype : {DType::kFloat32, DType::kFloat64}) {
      models::StyleConv up(3, 4, 3, {1, true, false, false}, g);
      up.to(dtype);
      for (const Shape& s : {Shape{2, 3, 5, 7}, Shape{1, 3, 1, 3}, Shape{1, 3, 12, 9}}) {
        INFO("input ", s, " dtype ", dtype);
        const Tensor x = randn(s, {}, &g).to(dtype);
        const Tensor expected =
            conv2d(pad2d(upsample2d(x, 2), 1, 1, 1, 1, PadMode::kReflect), up.conv->weight, up.conv->bias);
        GF_CHECK_CLOSE(up.forward(x), expected, 1e-5, 1e-5);
      }
    }
    // Gradients of input, weight and bias flow through the folded kernels.
    models::StyleConv up(2, 3, 3, {1, true, false, false}, g);
    up.to(DType::kFloat64);
    const Tensor x = randn({1, 2, 3, 4}, {}, &g).to(DType::kFloat64).requires_grad_();
    const Tensor w = up.conv->weight.detach().requires_grad_(), b = up.conv->bias.detach().requires_grad_();
    GF_CHECK_GRAD(
        [&](const std::vector<Tensor>& in) {
          up.conv->weight = in[1];
          up.conv->bias = in[2];
          return up.forward(in[0]);
        },
        (std::vector<Tensor>{x, w, b}));
  }

  TEST_CASE("direct convolution kernel matches the reference on the shapes it serves") {
    struct Case {
      Shape x;
      std::int64_t c_out, k;
    };
    // Few output channels / few input channels, wide rows, odd widths (whole
    // register blocks, a narrower block, single pixels), partial channel blocks.
    const std::vector<Case> cases = {{{1, 32, 20, 75}, 3, 9}, {{2, 3, 12, 90}, 32, 9}, {{1, 2, 6, 70}, 7, 3},
                                     {{1, 5, 4, 200}, 1, 1}, {{1, 4, 10, 137}, 6, 5}};
    Rng g(3);
    for (const Case& c : cases) {
      INFO("x ", c.x, " c_out ", c.c_out, " k ", c.k);
      const Tensor x = randn(c.x, {}, &g), w = randn({c.c_out, c.x[1], c.k, c.k}, {}, &g);
      const Shape ys{c.x[0], c.c_out, c.x[2] - c.k + 1, c.x[3] - c.k + 1};
      const Tensor y = full(ys, 7.0), y_ref = empty(ys);
      CHECK(cpu::use_direct_conv2d(x, w, y, {}));
      cpu::conv2d_forward(y, x, w, {});
      cpu::reference::conv2d_forward(y_ref, x, w, {});
      GF_CHECK_CLOSE(y, y_ref, 1e-4, 1e-4);
    }
    // Not served: padding, stride, many channels on both sides, narrow rows, float64;
    // in particular no DCGAN layer (DCGAN-64's Conv(3, 64, k4, s2, p1) has 3 inputs but stride 2).
    CHECK_FALSE(cpu::use_direct_conv2d(zeros({16, 3, 64, 64}), zeros({64, 3, 4, 4}), zeros({16, 64, 32, 32}),
                                       Conv2dParams::make(2, 1)));
    const Tensor x = zeros({1, 16, 8, 80}), w = zeros({16, 16, 3, 3}), y = zeros({1, 16, 6, 78});
    CHECK_FALSE(cpu::use_direct_conv2d(x, w, y, {}));
    CHECK_FALSE(cpu::use_direct_conv2d(x, zeros({3, 16, 3, 3}), y, Conv2dParams::make(1, 1)));
    CHECK_FALSE(cpu::use_direct_conv2d(zeros({1, 3, 8, 8}), zeros({3, 3, 3, 3}), zeros({1, 3, 6, 6}), {}));
    CHECK_FALSE(cpu::use_direct_conv2d(x.to(DType::kFloat64), zeros({3, 16, 3, 3}, {DType::kFloat64}),
                                       zeros({1, 3, 6, 78}, {DType::kFloat64}), {}));
  }

  TEST_CASE("StyleNet: safetensors round trip gives the same output") {
    Rng g(4);
    models::StyleNet a({8, 1}, &g);
    const test::TempDir dir("style_net");
    models::save_style_net(dir.file("net.safetensors"), a);
    const auto b = models::load_style_net(dir.file("net.safetensors"));
    CHECK(b->config.width == 8);
    CHECK(b->config.residual_blocks == 1);
    NoGradGuard no_grad;
    const Tensor x = rand({1, 3, 12, 16}, {}, &g);
    GF_CHECK_CLOSE(b->forward(x), a.forward(x), 0.0, 0.0);
    // Not a style network; a missing tensor; no file at all.
    io::save_safetensors(dir.file("other.safetensors"), {{"w", zeros({2})}});
    CHECK(test::error_of([&] { models::load_style_net(dir.file("other.safetensors")); }).find("no style network") !=
          std::string::npos);
    auto state = a.state_dict();
    state.back().first = "tail.conv.bias_renamed";  // as many values as needed, one name missing
    io::save_safetensors(dir.file("partial.safetensors"), io::NamedTensors(state.begin(), state.end()));
    CHECK(test::error_of([&] { models::load_style_net(dir.file("partial.safetensors")); }).find("missing (1): tail.conv.bias") !=
          std::string::npos);
    CHECK(test::error_of([&] { models::load_style_net(dir.file("missing.safetensors")); }).find("missing.safetensors") !=
          std::string::npos);
  }

  TEST_CASE("StyleNet: the style picture saved beside the weights comes back; a bad one is refused, named") {
    Rng g(7);
    models::StyleNet net({8, 1}, &g);
    const test::TempDir dir("style_net_picture");
    const Tensor picture = rand({1, 3, 20, 28}, {}, &g);
    models::save_style_net(dir.file("with.safetensors"), net, {}, picture);
    GF_CHECK_CLOSE(models::load_style_picture(dir.file("with.safetensors")), picture.select(0, 0), 0.0, 0.0);
    NoGradGuard no_grad;
    const Tensor x = rand({1, 3, 12, 16}, {}, &g);
    GF_CHECK_CLOSE(models::load_style_net(dir.file("with.safetensors"))->forward(x), net.forward(x), 0.0, 0.0);
    // A network saved without one (as before the picture was stored) has none.
    models::save_style_net(dir.file("without.safetensors"), net);
    CHECK_FALSE(models::load_style_picture(dir.file("without.safetensors")).defined());
    // Not a picture, or values outside [0, 1]: refused, naming the file and the tensor.
    const auto forged = [&](const std::string& name, const Tensor& bad) {
      auto state = net.state_dict();
      state.emplace_back("style_picture", bad);
      io::save_safetensors(dir.file(name), io::NamedTensors(state.begin(), state.end()));
      return test::error_of([&] { models::load_style_picture(dir.file(name)); });
    };
    GF_CHECK_CONTAINS(forged("grey.safetensors", zeros({1, 20, 20})), "grey.safetensors: style_picture has shape");
    GF_CHECK_CONTAINS(forged("tiny.safetensors", zeros({3, 4, 20})), "at least 8x8");
    GF_CHECK_CONTAINS(forged("bright.safetensors", full({3, 10, 10}, 2.0)), "outside [0, 1]");
    GF_CHECK_CONTAINS(test::error_of([&] { models::save_style_net(dir.file("x.safetensors"), net, {}, zeros({20, 20})); }),
                      "the style picture must be (3, h, w)");
  }

  TEST_CASE("StyleNet: parameter counts without building, and forged files refused before allocating") {
    Rng g(6);
    for (const models::StyleNetConfig c : {models::StyleNetConfig{8, 1}, models::StyleNetConfig{16, 5},
                                           models::StyleNetConfig{32, 0, models::StyleNetHead::kRecolour}}) {
      CAPTURE(c.width);
      CHECK(c.parameter_count() == static_cast<double>(models::StyleNet(c, &g).num_parameters()));
    }
    // Issue 12: a 224-byte file with a (1024, 0, 9, 9) head weight cost 1.9 GB;
    // a well-shaped 1024-wide head alone would have cost gigabytes more.
    const test::TempDir dir("style_net_forged");
    io::save_safetensors(dir.file("zero.safetensors"), {{"head.conv.weight", zeros({1024, 0, 9, 9})}});
    GF_CHECK_CONTAINS(test::error_of([&] { models::load_style_net(dir.file("zero.safetensors")); }),
                      "head.conv.weight has shape (1024, 0, 9, 9), expected (width, 3, 9, 9)");
    io::save_safetensors(dir.file("wide.safetensors"), {{"head.conv.weight", zeros({1024, 3, 9, 9})}});
    GF_CHECK_CONTAINS(test::error_of([&] { models::load_style_net(dir.file("wide.safetensors")); }),
                      "a network of width 1024 needs");
  }

  TEST_CASE("StyleNet recolour head: untrained it is Reinhard's transfer; the head survives save and load") {
    Rng g(5);
    models::StyleNet net({.width = 8, .residual_blocks = 1, .head = models::StyleNetHead::kRecolour}, &g);
    CHECK(net.state_dict().size() == net.named_parameters().size() + 2);  // recolour_mean, recolour_std
    const Tensor style = rand({1, 3, 20, 24}, {}, &g) * 0.5 + 0.3;
    net.set_style_colours(style);
    NoGradGuard no_grad;
    const Tensor photo = rand({2, 3, 13, 18}, {}, &g);  // sizes not multiples of 4: padded inside, cropped back
    GF_CHECK_CLOSE(net.forward(photo), clamp(image::match_color_stats(photo, style), 0.0, 1.0), 1e-5, 1e-6);

    // Trained a little, saved, loaded: the same head, statistics and output.
    net.tail->conv->weight.copy_(randn(net.tail->conv->weight.shape(), {}, &g) * 0.01);
    const test::TempDir dir("style_net_recolour");
    models::save_style_net(dir.file("net.safetensors"), net);
    const auto loaded = models::load_style_net(dir.file("net.safetensors"));
    CHECK(loaded->config.head == models::StyleNetHead::kRecolour);
    GF_CHECK_CLOSE(loaded->style_std, net.style_std, 0.0, 0.0);
    GF_CHECK_CLOSE(loaded->forward(photo), net.forward(photo), 0.0, 0.0);
    CHECK(test::error_of([&] { models::StyleNet({8, 1}, &g).set_style_colours(style); }).find("sigmoid head") !=
          std::string::npos);
  }

  TEST_CASE("StyleNet matched head: untrained Reinhard's transfer; trained, the sum keeps the style's statistics") {
    Rng g(7);
    models::StyleNet net({.width = 8, .residual_blocks = 1, .head = models::StyleNetHead::kMatched}, &g);
    const Tensor style = rand({1, 3, 20, 24}, {}, &g) * 0.5 + 0.3;
    net.set_style_colours(style);
    NoGradGuard no_grad;
    const Tensor photo = rand({2, 3, 13, 18}, {}, &g);
    GF_CHECK_CLOSE(net.forward(photo), clamp(image::match_color_stats(photo, style), 0.0, 1.0), 1e-5, 1e-6);

    // A tail that adds something: the unclamped output still has the style's
    // per-channel mean and std in each image (what the recolour head loses).
    net.tail->conv->weight.copy_(randn(net.tail->conv->weight.shape(), {}, &g) * 0.05);
    const Tensor z = net.forward_unclamped(photo);
    const image::ColorStats target = image::color_stats(style);
    for (std::int64_t n = 0; n < 2; ++n) {
      const image::ColorStats got = image::color_stats(z.narrow(0, n, 1));
      GF_CHECK_CLOSE(got.mean, target.mean, 1e-5, 1e-5);
      GF_CHECK_CLOSE(got.std, target.std, 1e-5, 1e-5);
    }
    models::StyleNet recolour({.width = 8, .residual_blocks = 1, .head = models::StyleNetHead::kRecolour}, &g);
    recolour.load_state_dict(net.state_dict());
    const image::ColorStats drifted = image::color_stats(recolour.forward_unclamped(photo).narrow(0, 0, 1));
    CHECK(max(abs(drifted.std - target.std)).item() > 1e-3);  // the test would see the difference
    GF_CHECK_CLOSE(net.forward(photo), clamp(z, 0.0, 1.0), 0.0, 0.0);

    const test::TempDir dir("style_net_matched");
    models::save_style_net(dir.file("net.safetensors"), net);
    const auto loaded = models::load_style_net(dir.file("net.safetensors"));
    CHECK(loaded->config.head == models::StyleNetHead::kMatched);
    GF_CHECK_CLOSE(loaded->forward(photo), net.forward(photo), 0.0, 0.0);
    CHECK(models::parse_style_net_head("matched") == models::StyleNetHead::kMatched);
    GF_CHECK_CONTAINS(test::error_of([] { models::parse_style_net_head("tanh"); }), "sigmoid, recolour or matched");
  }

  TEST_CASE("StyleNet: a few Adam steps lower a training loss") {
    // Learn to turn a picture into its negative: every parameter gets a gradient.
    Rng g(5);
    models::StyleNet net({4, 1}, &g);
    optim::Adam opt(net.parameters(), {.lr = 1e-2});
    const Tensor x = rand({2, 3, 16, 16}, {}, &g), target = rsub(1.0, x);
    double first = 0, last = 0;
    for (int step = 0; step < 25; ++step) {
      opt.zero_grad();
      const Tensor loss = mse_loss(net.forward(x), target);
      loss.backward();
      opt.step();
      (step == 0 ? first : last) = loss.item();
    }
    for (const auto& [name, p] : net.named_parameters()) CHECK_MESSAGE(p.grad().defined(), name);
    INFO("loss ", first, " -> ", last);
    CHECK(last < 0.7 * first);  // 0.090 -> 0.055 here
  }
}
