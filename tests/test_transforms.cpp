// Image transforms against naive references and their defining identities.
#include <array>
#include <cmath>
#include <set>

#include "gf/data/transforms.hpp"
#include "helpers.hpp"

using namespace gf;
using namespace gf::data;

namespace {

// A (C, H, W) image with a distinct value in every pixel.
Tensor ramp(std::int64_t c, std::int64_t h, std::int64_t w, DType dtype = DType::kFloat32) {
  return (arange(0, static_cast<double>(c * h * w), 1.0, {dtype}) / static_cast<double>(c * h * w)).view({c, h, w});
}

// Pixel (c, y, x) of a contiguous image, 0 outside it.
double at(const std::vector<double>& v, const Shape& s, std::int64_t c, std::int64_t y, std::int64_t x) {
  if (y < 0 || y >= s[1] || x < 0 || x >= s[2]) return 0.0;
  return v[static_cast<std::size_t>((c * s[1] + y) * s[2] + x)];
}

// Naive bilinear resize without the halving step (align_corners=False,
// coordinates clamped to the image): the formula straight from its definition.
Tensor naive_resize(const Tensor& image, std::int64_t oh, std::int64_t ow) {
  const Shape s = image.shape();
  const auto v = image.to_vector<double>();
  std::vector<double> out;
  for (std::int64_t c = 0; c < s[0]; ++c)
    for (std::int64_t y = 0; y < oh; ++y)
      for (std::int64_t x = 0; x < ow; ++x) {
        const double sy = std::clamp((y + 0.5) * s[1] / oh - 0.5, 0.0, s[1] - 1.0);
        const double sx = std::clamp((x + 0.5) * s[2] / ow - 0.5, 0.0, s[2] - 1.0);
        const auto y0 = static_cast<std::int64_t>(sy), x0 = static_cast<std::int64_t>(sx);
        const double fy = sy - y0, fx = sx - x0;
        const auto y1 = std::min(y0 + 1, s[1] - 1), x1 = std::min(x0 + 1, s[2] - 1);
        out.push_back((1 - fy) * (1 - fx) * at(v, s, c, y0, x0) + (1 - fy) * fx * at(v, s, c, y0, x1) +
                      fy * (1 - fx) * at(v, s, c, y1, x0) + fy * fx * at(v, s, c, y1, x1));
      }
  return from_vector<double>(out, {s[0], oh, ow});
}

// The (h, w) window at (top, left), zero outside the image.
Tensor naive_crop(const Tensor& image, std::int64_t top, std::int64_t left, std::int64_t h, std::int64_t w) {
  const Shape s = image.shape();
  const auto v = image.to_vector<double>();
  std::vector<double> out;
  for (std::int64_t c = 0; c < s[0]; ++c)
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x) out.push_back(at(v, s, c, top + y, left + x));
  return from_vector<double>(out, {s[0], h, w});
}

bool equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.to_vector<double>() == b.to_vector<double>();
}

}  // namespace

TEST_SUITE("transforms") {
  TEST_CASE("hflip mirrors each row; twice is the identity") {
    const Tensor x = ramp(2, 3, 5);
    const Tensor f = hflip(x);
    const auto v = x.to_vector<double>(), fv = f.to_vector<double>();
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t y = 0; y < 3; ++y)
        for (std::int64_t i = 0; i < 5; ++i) CHECK(fv[(c * 3 + y) * 5 + i] == v[(c * 3 + y) * 5 + (4 - i)]);
    CHECK(equal(hflip(f), x));
    CHECK(equal(hflip(hflip(x.permute({0, 2, 1}))), x.permute({0, 2, 1}).contiguous()));  // strided input
  }

  TEST_CASE("resize: hand-computed values, identity, constants stay constant") {
    // [0, 1] stretched to 4 pixels: centres map to -0.25, 0.25, 0.75, 1.25.
    const Tensor up = resize(from_vector<float>({0, 1}, {1, 1, 2}), 1, 4);
    CHECK(up.to_vector<float>() == std::vector<float>{0, 0.25f, 0.75f, 1});

    const Tensor x = ramp(3, 7, 5);
    CHECK(equal(resize(x, 7, 5), x));

    for (auto [h, w, oh, ow] : std::vector<std::array<std::int64_t, 4>>{
             {5, 7, 13, 2}, {28, 28, 64, 64}, {64, 64, 28, 28}, {100, 37, 3, 9}, {9, 9, 1, 1}, {1, 1, 4, 6}}) {
      CAPTURE(h);
      CAPTURE(oh);
      const Tensor c = resize(full({2, h, w}, 0.37), oh, ow);
      CHECK(c.shape() == Shape{2, oh, ow});
      CHECK(equal(c, full({2, oh, ow}, 0.37)));
    }
  }

  TEST_CASE("resize matches a naive bilinear reference when it does not halve") {
    Rng gen(7);
    for (auto [h, w, oh, ow] : std::vector<std::array<std::int64_t, 4>>{
             {5, 7, 13, 9}, {4, 4, 3, 3}, {6, 3, 11, 2}, {1, 5, 3, 5}, {8, 8, 5, 17}}) {
      CAPTURE(h);
      CAPTURE(w);
      const Tensor x = rand({3, h, w}, {DType::kFloat64}, &gen);
      GF_CHECK_CLOSE(resize(x, oh, ow), naive_resize(x, oh, ow), 1e-12, 1e-12);
      GF_CHECK_CLOSE(resize(x.to(DType::kFloat32), oh, ow), naive_resize(x, oh, ow), 1e-5, 1e-6);
    }
  }

  TEST_CASE("large reductions average whole blocks first") {
    // 4x4 -> 2x2 is exactly the mean of each 2x2 block.
    const Tensor x = from_vector<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {1, 4, 4});
    CHECK(resize(x, 2, 2).to_vector<float>() == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});
    // A fine checkerboard shrunk 8x averages to grey instead of aliasing to 0 or 1.
    std::vector<float> board(64 * 64);
    for (std::size_t i = 0; i < board.size(); ++i) board[i] = static_cast<float>((i / 64 + i % 64) % 2);
    const auto small = resize(from_vector<float>(board, {1, 64, 64}), 8, 8).to_vector<float>();
    for (float v : small) CHECK(v == doctest::Approx(0.5));
  }

  TEST_CASE("resize_center_crop: shorter side to S, then the centre square") {
    const Tensor wide = ramp(3, 20, 40);
    const Tensor a = resize_center_crop(wide, 10);
    CHECK(a.shape() == Shape{3, 10, 10});
    // 20x40 -> 10x20 (a clean 2x halving), then columns 5..14.
    GF_CHECK_CLOSE(a, naive_crop(resize(wide, 10, 20), 0, 5, 10, 10), 0, 0);
    const Tensor tall = ramp(1, 30, 12);
    CHECK(resize_center_crop(tall, 6).shape() == Shape{1, 6, 6});
    GF_CHECK_CLOSE(resize_center_crop(tall, 6), naive_crop(resize(tall, 15, 6), 4, 0, 6, 6), 0, 0);
    CHECK(resize_center_crop(ramp(3, 17, 23), 64).shape() == Shape{3, 64, 64});
  }

  TEST_CASE("center_crop: sizes, contents, zero padding when larger") {
    const Tensor x = ramp(2, 7, 6);
    for (auto [h, w] : std::vector<std::array<std::int64_t, 2>>{{3, 3}, {4, 5}, {7, 6}, {1, 1}, {9, 6}, {10, 11}}) {
      CAPTURE(h);
      CAPTURE(w);
      const Tensor c = center_crop(x, h, w);
      CHECK(c.shape() == Shape{2, h, w});
      GF_CHECK_CLOSE(c, naive_crop(x, (7 - h) / 2, (6 - w) / 2, h, w), 0, 0);
    }
  }

  TEST_CASE("random_crop: a window of the padded image, reproducible, covering all positions") {
    const Tensor x = ramp(3, 6, 5);
    std::set<std::pair<std::int64_t, std::int64_t>> seen;
    for (std::uint64_t seed = 0; seed < 400; ++seed) {
      Rng gen(seed);
      const Tensor c = random_crop(x, 4, 4, 2, gen);
      REQUIRE(c.shape() == Shape{3, 4, 4});
      // Find the window: top in [-2, 6 + 2 - 4 - 2], left in [-2, 5 + 2 - 4 - 2].
      int matches = 0;
      for (std::int64_t top = -2; top <= 4; ++top)
        for (std::int64_t left = -2; left <= 3; ++left)
          if (equal(c, naive_crop(x, top, left, 4, 4).to(DType::kFloat32))) {
            ++matches;
            seen.insert({top, left});
          }
      CHECK(matches == 1);
      Rng again(seed);
      CHECK(equal(random_crop(x, 4, 4, 2, again), c));
    }
    CHECK(seen.size() == 7 * 6);  // every offset occurs
    Rng gen(1);
    CHECK(equal(random_crop(x, 6, 5, 0, gen), x));
    CHECK_THROWS_WITH_AS(random_crop(x, 11, 4, 2, gen),
                         doctest::Contains("cannot cut 11x4 from a 6x5 image padded by 2"), gf::Error);
  }

  TEST_CASE("random_horizontal_flip: p = 0 never, p = 1 always, p = 0.5 about half") {
    const Tensor x = ramp(1, 2, 3);
    Rng gen(3);
    int flipped = 0;
    for (int i = 0; i < 400; ++i) {
      CHECK(equal(random_horizontal_flip(x, 0.0, gen), x));
      CHECK(equal(random_horizontal_flip(x, 1.0, gen), hflip(x)));
      const Tensor y = random_horizontal_flip(x, 0.5, gen);
      flipped += equal(y, hflip(x)) ? 1 : 0;
      CHECK((equal(y, x) || equal(y, hflip(x))));
    }
    CHECK(flipped > 150);
    CHECK(flipped < 250);
  }

  TEST_CASE("rotate: 0 is the identity, 90 turns counter-clockwise, corners fill with 0") {
    const Tensor x = ramp(2, 5, 5);
    CHECK(equal(rotate(x, 0.0), x));
    CHECK(equal(rotate(ramp(1, 4, 7), 0.0), ramp(1, 4, 7)));
    // Counter-clockwise on screen: out[y][x] = in[x][N-1-y].
    const auto v = x.to_vector<double>();
    std::vector<double> ccw;
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t y = 0; y < 5; ++y)
        for (std::int64_t i = 0; i < 5; ++i) ccw.push_back(at(v, x.shape(), c, i, 4 - y));
    GF_CHECK_CLOSE(rotate(x, 90.0), from_vector<double>(ccw, {2, 5, 5}), 1e-5, 1e-6);
    GF_CHECK_CLOSE(rotate(x, 360.0), x, 1e-5, 1e-6);
    GF_CHECK_CLOSE(rotate(rotate(x, 90.0), -90.0), x, 1e-5, 1e-6);

    // 45 degrees of a constant image: the centre keeps its value, corners are 0.
    const auto r = rotate(full({1, 9, 9}, 0.8), 45.0).to_vector<float>();
    CHECK(r[4 * 9 + 4] == doctest::Approx(0.8));
    CHECK(r[0] == 0.0f);
    CHECK(r[80] == 0.0f);
  }

  TEST_CASE("rotate90: whole quarter turns by moving pixels, against the definition") {
    const Tensor x = ramp(2, 3, 5);  // not square: a turn swaps the sides
    const auto v = x.to_vector<double>();
    // One turn counter-clockwise: the right column, read downwards, becomes the top row.
    std::vector<double> ccw;
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t y = 0; y < 5; ++y)
        for (std::int64_t i = 0; i < 3; ++i) ccw.push_back(at(v, x.shape(), c, i, 4 - y));
    CHECK(equal(rotate90(x, 1), from_vector<double>(ccw, {2, 5, 3})));
    CHECK(equal(rotate90(x, 0), x));
    CHECK(equal(rotate90(x, 4), x));
    CHECK(equal(rotate90(rotate90(x, 1), 1), rotate90(x, 2)));
    CHECK(equal(rotate90(x, -1), rotate90(x, 3)));
    CHECK(equal(rotate90(rotate90(x, 3), 1), x));
    // Two turns: upside down and mirrored.
    CHECK(at(rotate90(x, 2).to_vector<double>(), x.shape(), 1, 0, 0) == at(v, x.shape(), 1, 2, 4));
    // The same as the bilinear rotate by 90 degrees on a square image.
    GF_CHECK_CLOSE(rotate90(ramp(3, 6, 6), 1), rotate(ramp(3, 6, 6), 90.0), 1e-5, 1e-6);
    CHECK(rotate90(ramp(1, 2, 2, DType::kFloat64), 1).dtype() == DType::kFloat64);
  }

  TEST_CASE("resize_shorter and random_zoom_crop: aspect kept, zoom within its range, reproducible") {
    CHECK(resize_shorter(ramp(3, 10, 25), 4).shape() == Shape{3, 4, 10});
    CHECK(resize_shorter(ramp(3, 30, 12), 6).shape() == Shape{3, 15, 6});
    GF_CHECK_CLOSE(resize_shorter(ramp(1, 8, 8), 8), ramp(1, 8, 8), 0, 1e-7);
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      Rng a(seed), b(seed), probe(seed);
      const double zoom = 1.0 + 2.0 * probe.uniform_double();
      const Tensor photo = ramp(3, 20, 30);
      const Tensor crop = random_zoom_crop(photo, 8, 3.0, a);
      CHECK(crop.shape() == Shape{3, 8, 8});
      CHECK(equal(random_zoom_crop(photo, 8, 3.0, b), crop));
      // By hand: the zoomed photo, a window of it, the flip.
      Tensor z = resize_shorter(photo, std::llround(zoom * 8.0));
      z = random_crop(z, 8, 8, 0, probe);
      CHECK(equal(random_horizontal_flip(z, 0.5, probe), crop));
    }
    Rng gen(1);
    CHECK_THROWS_WITH_AS(random_zoom_crop(ramp(1, 8, 8), 4, 0.5, gen),
                         doctest::Contains("max_zoom must be at least 1, got 0.5"), gf::Error);
  }

  TEST_CASE("random_rotation stays within its range and is reproducible") {
    const Tensor x = ramp(1, 9, 9);
    Rng gen(5);
    CHECK(equal(random_rotation(x, 0.0, gen), x));
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      Rng a(seed), b(seed), probe(seed);
      const double angle = (2.0 * probe.uniform_double() - 1.0) * 15.0;
      CHECK(std::abs(angle) <= 15.0);
      const Tensor y = random_rotation(x, 15.0, a);
      CHECK(equal(y, rotate(x, angle)));
      CHECK(equal(random_rotation(x, 15.0, b), y));
    }
  }

  TEST_CASE("normalize maps [0, 1] to [-1, 1] and denormalize undoes it") {
    const Tensor x = from_vector<float>({0, 0.25f, 0.5f, 1}, {1, 2, 2});
    CHECK(normalize(x).to_vector<float>() == std::vector<float>{-1, -0.5f, 0, 1});
    CHECK(equal(denormalize(normalize(x)), x));
    Rng gen(2);
    const Tensor r = rand({3, 8, 8}, {}, &gen);
    GF_CHECK_CLOSE(denormalize(normalize(r)), r, 0, 1e-7);
  }

  TEST_CASE("Compose applies its steps in order with one generator") {
    namespace T = gf::data::transforms;
    const Compose augment({T::resize_center_crop(8), T::random_crop(8, 8, 1), T::random_horizontal_flip(0.5),
                           T::random_rotation(10), T::normalize()});
    const Tensor x = ramp(3, 12, 20);
    Rng a(11), b(11);
    const Tensor y = augment(x, a);
    CHECK(y.shape() == Shape{3, 8, 8});
    CHECK(equal(augment(x, b), y));
    const auto v = y.to_vector<float>();
    CHECK(*std::min_element(v.begin(), v.end()) >= -1.0f);
    CHECK(*std::max_element(v.begin(), v.end()) <= 1.0f);
    // By hand, the same steps in the same order.
    Rng c(11);
    Tensor z = resize_center_crop(x, 8);
    z = random_crop(z, 8, 8, 1, c);
    z = random_horizontal_flip(z, 0.5, c);
    z = random_rotation(z, 10, c);
    CHECK(equal(normalize(z), y));
  }

  TEST_CASE("transforms name the problem with their input") {
    CHECK_THROWS_WITH_AS(resize(zeros({4, 4}), 2, 2),
                         doctest::Contains("resize: expected an image (C, H, W), got shape (4, 4)"), gf::Error);
    CHECK_THROWS_WITH_AS(hflip(zeros({1, 2, 2}, {DType::kInt64})),
                         doctest::Contains("hflip: expected a float32/float64"), gf::Error);
    CHECK_THROWS_WITH_AS(center_crop(zeros({1, 2, 2}), 0, 2), doctest::Contains("center_crop: size must be positive"),
                         gf::Error);
  }
}
