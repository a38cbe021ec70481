// DiffAugment (gf/models/gan/diff_augment.hpp): each transform against a
// naive per-pixel loop for given draws, the draws' ranges, gradients (first
// and second order) in float64, and the policy parser. The trainer's use of
// it is in test_gan_trainer.cpp.
#include <set>
#include <type_traits>

#include "gf/models/gan/diff_augment.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using namespace gf::models;

namespace {

// Random float64 images (n, c, s, s) and their values in a loop-friendly form.
Tensor random_images(std::int64_t n, std::int64_t c, std::int64_t s, std::uint64_t seed = 3) {
  Rng gen(seed);
  return randn({n, c, s, s}, {DType::kFloat64}, &gen);
}

// Element (n, c, y, x) of a contiguous (N, C, S, S) value vector.
struct Planes {
  std::vector<double> v;
  std::int64_t c, s;
  double at(std::int64_t n, std::int64_t ch, std::int64_t y, std::int64_t x) const {
    return v[static_cast<std::size_t>(((n * c + ch) * s + y) * s + x)];
  }
};

Planes planes(const Tensor& images) { return {images.to_vector<double>(), images.size(1), images.size(3)}; }

// Builds an (N, C, S, S) float64 tensor from value(n, c, y, x).
template <typename F>
Tensor from_loop(std::int64_t n, std::int64_t c, std::int64_t s, F value) {
  std::vector<double> out;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t y = 0; y < s; ++y)
        for (std::int64_t x = 0; x < s; ++x) out.push_back(value(i, ch, y, x));
  return from_vector<double>(out, {n, c, s, s});
}

// The naive color transform of sample n, pixel by pixel: brightness, saturation, contrast.
Tensor naive_color(const Tensor& images, const std::vector<double>& b, const std::vector<double>& sat,
                   const std::vector<double>& con) {
  const std::int64_t n = images.size(0), c = images.size(1), s = images.size(3);
  const Planes p = planes(images);
  std::vector<double> out;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    std::vector<double> img;  // sample i after brightness and saturation, (c, s, s)
    for (std::int64_t ch = 0; ch < c; ++ch)
      for (std::int64_t y = 0; y < s; ++y)
        for (std::int64_t x = 0; x < s; ++x) {
          double pixel_mean = 0;
          for (std::int64_t j = 0; j < c; ++j) pixel_mean += p.at(i, j, y, x) + b[k];
          pixel_mean /= static_cast<double>(c);
          img.push_back(pixel_mean + sat[k] * (p.at(i, ch, y, x) + b[k] - pixel_mean));
        }
    double sample_mean = 0;
    for (double v : img) sample_mean += v;
    sample_mean /= static_cast<double>(img.size());
    for (double v : img) out.push_back(sample_mean + con[k] * (v - sample_mean));
  }
  return from_vector<double>(out, images.shape());
}

std::string error_parsing(const std::string& list) {
  return test::error_of([&] { parse_diff_augment(list); });
}

}  // namespace

TEST_SUITE("diff_augment") {
  TEST_CASE("translate shifts each sample by its own offset and fills with 0 (naive loop)") {
    const Tensor x = random_images(4, 2, 7);
    // Right/down, left/up, beyond the image (all fill), none.
    const std::vector<std::int64_t> dx = {2, -3, 7, 0}, dy = {1, -2, 0, 0};
    const Planes p = planes(x);
    const Tensor expected = from_loop(4, 2, 7, [&](std::int64_t n, std::int64_t c, std::int64_t y, std::int64_t xx) {
      const std::int64_t sy = y - dy[static_cast<std::size_t>(n)], sx = xx - dx[static_cast<std::size_t>(n)];
      return sy >= 0 && sy < 7 && sx >= 0 && sx < 7 ? p.at(n, c, sy, sx) : 0.0;
    });
    GF_CHECK_CLOSE(translate(x, dx, dy), expected, 0.0, 0.0);  // products with 0 and 1 are exact
    GF_CHECK_CLOSE(translate(x.to(DType::kFloat32), dx, dy), expected, 1e-6, 1e-6);
  }

  TEST_CASE("cut_out zeroes exactly the square, clipped to the image, and nothing else (naive loop)") {
    const Tensor x = random_images(3, 3, 8);
    const std::vector<std::int64_t> x0 = {2, -2, 5}, y0 = {1, 6, -3};
    const std::int64_t side = 4;
    const Planes p = planes(x);
    const Tensor expected = from_loop(3, 3, 8, [&](std::int64_t n, std::int64_t c, std::int64_t y, std::int64_t xx) {
      const auto k = static_cast<std::size_t>(n);
      const bool inside = xx >= x0[k] && xx < x0[k] + side && y >= y0[k] && y < y0[k] + side;
      return inside ? 0.0 : p.at(n, c, y, xx);
    });
    GF_CHECK_CLOSE(cut_out(x, x0, y0, side), expected, 0.0, 0.0);
  }

  TEST_CASE("brightness, saturation and contrast match the per-pixel formulas") {
    const Tensor x = random_images(2, 3, 4);
    const std::vector<double> b = {0.3, -0.45}, sat = {1.7, 0.2}, con = {0.6, 1.4}, none = {0, 0}, ones = {1, 1};
    GF_CHECK_CLOSE(adjust_brightness(x, b), naive_color(x, b, ones, ones), 1e-12, 1e-12);
    GF_CHECK_CLOSE(adjust_saturation(x, sat), naive_color(x, none, sat, ones), 1e-12, 1e-12);
    GF_CHECK_CLOSE(adjust_contrast(x, con), naive_color(x, none, ones, con), 1e-12, 1e-12);
    // The color policy chains all three, in this order.
    std::vector<AugmentDraw> draws(2);
    for (std::size_t i = 0; i < 2; ++i) {
      draws[i].brightness = b[i];
      draws[i].saturation = sat[i];
      draws[i].contrast = con[i];
    }
    const DiffAugmentPolicy color = parse_diff_augment("color");
    GF_CHECK_CLOSE(apply_diff_augment(x, color, draws), naive_color(x, b, sat, con), 1e-12, 1e-12);
    // One channel: saturation is skipped (the channel is its own mean).
    const Tensor gray = random_images(2, 1, 4);
    GF_CHECK_CLOSE(apply_diff_augment(gray, color, draws), naive_color(gray, b, ones, con), 1e-12, 1e-12);
  }

  TEST_CASE("the full policy chains color, translation, cutout with the draws' values") {
    const Tensor x = random_images(2, 3, 8);
    std::vector<AugmentDraw> draws(2);
    draws[0] = {.brightness = 0.1, .saturation = 1.5, .contrast = 0.7, .shift_x = 1, .shift_y = -2,
                .cutout_x = 3, .cutout_y = -1};
    draws[1] = {.brightness = -0.2, .saturation = 0.4, .contrast = 1.2, .shift_x = -1, .shift_y = 0,
                .cutout_x = 6, .cutout_y = 5};
    const auto field = [&](auto member) {
      std::vector<std::remove_cvref_t<decltype(draws[0].*member)>> v;
      for (const AugmentDraw& d : draws) v.push_back(d.*member);
      return v;
    };
    const Tensor colored = naive_color(x, field(&AugmentDraw::brightness), field(&AugmentDraw::saturation),
                                       field(&AugmentDraw::contrast));
    const Tensor expected = cut_out(translate(colored, field(&AugmentDraw::shift_x), field(&AugmentDraw::shift_y)),
                                    field(&AugmentDraw::cutout_x), field(&AugmentDraw::cutout_y), 4);
    GF_CHECK_CLOSE(apply_diff_augment(x, parse_diff_augment("cutout,color,translation"), draws), expected, 1e-12,
                   1e-12);
  }

  TEST_CASE("draws cover the paper's ranges, and diff_augment applies exactly them") {
    const std::int64_t size = 28, shift = max_shift(size), side = cutout_side(size);
    CHECK(shift == 4);  // round(28 / 8) = round(3.5)
    CHECK(side == 14);
    CHECK(max_shift(64) == 8);
    CHECK(cutout_side(64) == 32);
    Rng gen(7);
    const std::vector<AugmentDraw> draws = draw_diff_augment(parse_diff_augment("color,translation,cutout"), 2000,
                                                             size, gen);
    std::set<std::int64_t> shifts, corners;
    for (const AugmentDraw& d : draws) {
      CHECK((d.brightness >= -0.5 && d.brightness < 0.5));
      CHECK((d.saturation >= 0.0 && d.saturation < 2.0));
      CHECK((d.contrast >= 0.5 && d.contrast < 1.5));
      shifts.insert({d.shift_x, d.shift_y});
      corners.insert({d.cutout_x, d.cutout_y});
    }
    // Every shift in [-4, 4]; every centre in [0, 28], so every corner in [-7, 21].
    CHECK(shifts.size() == static_cast<std::size_t>(2 * shift + 1));
    CHECK(*shifts.begin() == -shift);
    CHECK(*shifts.rbegin() == shift);
    CHECK(corners.size() == static_cast<std::size_t>(size + 1));
    CHECK(*corners.begin() == -side / 2);
    CHECK(*corners.rbegin() == size - side / 2);
    // Policies that are off draw nothing and keep the identity.
    const AugmentDraw only_shift = draw_diff_augment(parse_diff_augment("translation"), 1, size, gen)[0];
    CHECK(only_shift.brightness == 0.0);
    CHECK(only_shift.contrast == 1.0);
    CHECK(only_shift.cutout_x == 0);

    const Tensor x = random_images(3, 3, 8);
    const DiffAugmentPolicy all = parse_diff_augment("color,translation,cutout");
    Rng a(5), b(5);
    GF_CHECK_CLOSE(diff_augment(x, all, a), apply_diff_augment(x, all, draw_diff_augment(all, 3, 8, b)), 0.0, 0.0);
    CHECK(a.state().counter == b.state().counter);
    Rng untouched(5);
    CHECK(diff_augment(x, DiffAugmentPolicy{}, untouched).is_same(x));
    CHECK(untouched.state().counter == 0);
  }

  TEST_CASE("gradients w.r.t. the images: gradcheck, and gradgradcheck through a square") {
    const Tensor x = random_images(2, 3, 6).requires_grad_();
    Rng gen(9);
    const DiffAugmentPolicy all = parse_diff_augment("color,translation,cutout");
    const std::vector<AugmentDraw> draws = draw_diff_augment(all, 2, 6, gen);
    const auto t = [&](const std::vector<Tensor>& in) { return apply_diff_augment(in[0], all, draws); };
    GF_CHECK_GRAD(t, std::vector<Tensor>{x});
    // T is affine in x; the square makes the second derivative non-zero, so
    // this checks that T's backward is recorded (a penalty may sit on top).
    const auto r = gradgradcheck([&](const std::vector<Tensor>& in) { return square(t(in)); }, {x});
    CHECK_MESSAGE(r.ok, r.report);
  }

  TEST_CASE("policy lists parse in any order; empty is off; unknown entries are named") {
    CHECK_FALSE(parse_diff_augment("").enabled());
    CHECK(parse_diff_augment("").str().empty());
    const DiffAugmentPolicy two = parse_diff_augment("cutout,translation");
    CHECK_FALSE(two.color);
    CHECK(two.translation);
    CHECK(two.cutout);
    CHECK(two.str() == "translation,cutout");
    CHECK(parse_diff_augment(two.str()) == two);
    const DiffAugmentPolicy all = parse_diff_augment("color,translation,cutout");
    CHECK((all.color && all.translation && all.cutout));
    CHECK(all.str() == "color,translation,cutout");
    CHECK(error_parsing("color,foo") ==
          "--diff-augment: unknown policy 'foo' (expected color, translation, cutout)");
    GF_CHECK_CONTAINS(error_parsing("Color"), "'Color'");
    GF_CHECK_CONTAINS(error_parsing("color,"), "unknown policy ''");
    GF_CHECK_CONTAINS(error_parsing("color, cutout"), "' cutout'");
  }

  TEST_CASE("the transforms name a mismatched number of draws") {
    const Tensor x = random_images(2, 1, 4);
    GF_CHECK_CONTAINS(test::error_of([&] { translate(x, {1}, {1}); }), "1 per-sample values for 2 images");
    GF_CHECK_CONTAINS(test::error_of([&] { adjust_brightness(x.reshape({2, 16}), {0, 0}); }), "(N, C, H, W)");
  }
}
