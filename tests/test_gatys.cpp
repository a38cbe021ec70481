// Optimisation-based transfer end to end on tiny inputs: Gatys on a tiny random
// VGG-19 (Adam and L-BFGS) and the offline patch-GAN method.
#include "helpers.hpp"
#include "io_helpers.hpp"

#include "gf/image/color.hpp"
#include "gf/models/style/gatys.hpp"
#include "gf/models/style/patch_gan_style.hpp"

using namespace gf;
using namespace gf::models;

namespace {

// A 24x24 content image (smooth gradient) and a 24x24 style (stripes in two colours).
Tensor content_image() {
  Tensor c = zeros({1, 3, 24, 24});
  for (std::int64_t i = 0; i < 24; ++i) c.narrow(2, i, 1).fill_(static_cast<double>(i) / 24.0);
  return c;
}
Tensor style_image() {
  Tensor s = full({1, 3, 24, 24}, 0.1);
  for (std::int64_t j = 0; j < 24; j += 4) s.narrow(3, j, 2).narrow(1, 0, 1).fill_(0.9);
  return s;
}

// The first and last "style" values a run reports.
struct Trace {
  double first = -1, last = -1;
  std::int64_t calls = 0;
};
StepCallback tracer(Trace& t, const std::string& metric) {
  return [&t, metric](std::int64_t, const std::vector<LossValue>& losses) {
    for (const auto& m : losses)
      if (m.name == metric) (t.calls++ == 0 ? t.first : t.last) = m.value;
  };
}

}  // namespace

TEST_SUITE("gatys") {
  TEST_CASE("a short Gatys run lowers the style loss by a clear factor (Adam and L-BFGS)") {
    Rng gen(1);
    Vgg19Features vgg({.width_divisor = 16}, gen);
    for (const GatysOptimizer opt : {GatysOptimizer::kAdam, GatysOptimizer::kLbfgs}) {
      CAPTURE(static_cast<int>(opt));
      GatysOptions o;
      o.style_layers = {{"relu1_1", 0.5}, {"relu2_1", 0.5}};
      o.content_layers = {"relu2_1"};
      o.optimizer = opt;
      o.steps = 15;
      o.lr = 0.05;
      Trace t;
      const Tensor out = gatys_transfer(vgg, content_image(), {{style_image(), 1.0}}, o, tracer(t, "style"));
      CHECK(t.calls == 15);
      CHECK(out.shape() == Shape{1, 3, 24, 24});
      CHECK(t.last < t.first / 3);
      const auto v = out.to_vector<float>();
      CHECK(*std::min_element(v.begin(), v.end()) >= 0.0f);
      CHECK(*std::max_element(v.begin(), v.end()) <= 1.0f);
    }
  }

  TEST_CASE("Gatys: two styles, style and noise init, errors") {
    Rng gen(2);
    Vgg19Features vgg({.width_divisor = 16}, gen);
    GatysOptions o;
    o.style_layers = {{"relu1_1", 1.0}};
    o.content_layers = {"relu1_1"};
    o.optimizer = GatysOptimizer::kAdam;
    o.steps = 2;
    o.init = GatysInit::kStyle;
    const Tensor small_style = style_image().narrow(2, 0, 10).narrow(3, 0, 10);  // tiled over the 24x24 content
    CHECK(gatys_transfer(vgg, content_image(), {{small_style, 1.0}, {style_image(), 0.5}}, o).shape() ==
          Shape{1, 3, 24, 24});
    o.init = GatysInit::kNoise;
    CHECK(gatys_transfer(vgg, content_image().select(0, 0), {{style_image(), 1.0}}, o).shape() == Shape{1, 3, 24, 24});
    GF_CHECK_CONTAINS(test::error_of([&] { gatys_transfer(vgg, content_image(), {}, o); }), "no style image");
    GF_CHECK_CONTAINS(test::error_of([&] { gatys_transfer(vgg, zeros({1, 1, 8, 8}), {{style_image(), 1.0}}, o); }),
                      "RGB image");
    GF_CHECK_CONTAINS(test::error_of([] { parse_gatys_init("zeros"); }), "content, style or noise");
    GF_CHECK_CONTAINS(test::error_of([] { parse_gatys_optimizer("sgd"); }), "adam or lbfgs");
  }

  TEST_CASE("patch-GAN transfer: runs, reports its losses, pulls the colours to the style's") {
    PatchGanStyleOptions o;
    o.steps = 12;
    o.patch_size = 16;
    o.patches = 4;
    o.discriminator.width = 8;
    o.discriminator.scales = 2;
    Trace color;
    const Tensor content = content_image(), style = style_image();
    const Tensor out = patch_gan_transfer(content, {{style, 1.0}}, o, tracer(color, "color"));
    CHECK(color.calls == 12);
    CHECK(out.shape() == Shape{1, 3, 24, 24});
    // The start is already Reinhard-matched; the colour term keeps it close.
    const double before = image::color_stats_distance(content, style).item();
    const double after = image::color_stats_distance(out, style).item();
    CAPTURE(before);
    CAPTURE(after);
    CHECK(before > 0.4);
    CHECK(after < 0.15);
    GF_CHECK_CONTAINS(test::error_of([&] { patch_gan_transfer(content, {{style, 0.0}}, o); }), "positive");
  }
}
