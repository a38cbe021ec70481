// transfer_style_texture (gf/image/style_texture.hpp): against the whole
// method written out with naive loops in float64 (blurs, block means, the
// search over every candidate, the cross-fade), and on pictures whose answer
// is known: pieces come from the part of the style of the result's colour (and
// none when no part matches), textured results and zero strength are left alone.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "helpers.hpp"
#include "image_reference.hpp"
#include "gf/image/style_texture.hpp"

using namespace gf;
using test::Planes;

namespace {

// The header's method, step by step, in float64.
Tensor naive_texture(const Tensor& result, const Tensor& style, const image::StyleTextureOptions& o) {
  const Planes r = Planes::of(result), s = Planes::of(style);
  const std::int64_t H = r.h, W = r.w, h = s.h, w = s.w, p = o.patch, ov = o.overlap, block = p / 4;
  const auto blur = [](const Planes& x, double sd) {
    const auto taps = test::gaussian_taps(sd, static_cast<std::int64_t>(std::ceil(3 * sd)));
    return test::naive_filter(x, taps, taps, /*reflect=*/true);
  };
  const Planes lr = blur(r, o.sigma), ls = blur(s, o.sigma);
  Planes ds = s;
  for (std::size_t i = 0; i < ds.v.size(); ++i) ds.v[i] = s.v[i] - ls.v[i];
  Planes y{1, H, W, std::vector<double>(static_cast<std::size_t>(H * W))};
  for (std::int64_t i = 0; i < H; ++i)
    for (std::int64_t j = 0; j < W; ++j)
      y.at(0, i, j) = 0.299 * r.at(0, i, j) + 0.587 * r.at(1, i, j) + 0.114 * r.at(2, i, j);
  const Planes ly = blur(y, o.sigma);
  Planes d2 = y;
  for (std::size_t i = 0; i < d2.v.size(); ++i) d2.v[i] = (y.v[i] - ly.v[i]) * (y.v[i] - ly.v[i]);
  const Planes power = blur(d2, 2 * o.sigma);
  Planes m = power;
  for (double& v : m.v) v = o.strength * std::clamp(1.0 - std::sqrt(v) / o.smooth_below, 0.0, 1.0);

  const auto describe = [&](const Planes& x, std::int64_t y0, std::int64_t x0) {
    std::vector<double> out;
    for (std::int64_t c = 0; c < 3; ++c)
      for (std::int64_t by = 0; by < 4; ++by)
        for (std::int64_t bx = 0; bx < 4; ++bx) {
          double sum = 0;
          for (std::int64_t a = 0; a < block; ++a)
            for (std::int64_t b = 0; b < block; ++b) sum += x.at(c, y0 + by * block + a, x0 + bx * block + b);
          out.push_back(sum / static_cast<double>(block * block));
        }
    return out;
  };
  std::vector<std::pair<std::int64_t, std::int64_t>> corners;
  for (std::int64_t cy = 0; cy + p <= h; cy += 2)
    for (std::int64_t cx = 0; cx + p <= w; cx += 2) corners.emplace_back(cy, cx);
  const auto starts = [&](std::int64_t side) {
    std::vector<std::int64_t> v;
    for (std::int64_t t = 0; t + p < side; t += p - ov) v.push_back(t);
    v.push_back(side - p);
    return v;
  };

  Planes assembled{3, H, W, std::vector<double>(static_cast<std::size_t>(3 * H * W), 0.0)};
  std::vector<char> filled(static_cast<std::size_t>(H * W), 0);
  const std::vector<std::int64_t> rows = starts(H), cols = starts(W);
  std::vector<std::pair<std::int64_t, std::int64_t>> placed(rows.size() * cols.size(), {-1, -1});
  for (std::size_t ci = 0; ci < rows.size(); ++ci)
    for (std::size_t cj = 0; cj < cols.size(); ++cj) {
      const std::int64_t y0 = rows[ci], x0 = cols[cj];
      double most = 0;
      for (std::int64_t i = 0; i < p; ++i)
        for (std::int64_t j = 0; j < p; ++j) most = std::max(most, m.at(0, y0 + i, x0 + j));
      if (most <= 0) continue;
      const std::vector<double> target = describe(lr, y0, x0);
      const auto colour_cost = [&](std::int64_t cy, std::int64_t cx) {
        const std::vector<double> d = describe(ls, cy, cx);
        double sum = 0;
        for (std::size_t i = 0; i < d.size(); ++i) sum += (d[i] - target[i]) * (d[i] - target[i]);
        return sum / 16;
      };
      std::vector<double> colour(corners.size());
      for (std::size_t k = 0; k < corners.size(); ++k) colour[k] = colour_cost(corners[k].first, corners[k].second);
      std::vector<std::size_t> order(corners.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return colour[a] < colour[b]; });
      // The best K in colour among the first 8 K, leaving out those within half a piece of the pieces of the
      // cells left, upper left, above and upper right; then the continuations of the left and upper pieces.
      std::vector<std::pair<std::int64_t, std::int64_t>> around;
      if (cj > 0) around.push_back(placed[ci * cols.size() + cj - 1]);
      if (ci > 0)
        for (std::size_t jj = cj > 0 ? cj - 1 : 0; jj <= std::min(cj + 1, cols.size() - 1); ++jj)
          around.push_back(placed[(ci - 1) * cols.size() + jj]);
      const auto keep = static_cast<std::size_t>(o.candidates);
      std::vector<std::pair<std::int64_t, std::int64_t>> choices;
      for (std::size_t n = 0; n < std::min(8 * keep, order.size()) && choices.size() < keep; ++n) {
        const auto [cy, cx] = corners[order[n]];
        bool near = false;
        for (const auto& [ny, nx] : around)
          near = near || (ny >= 0 && 2 * std::abs(cy - ny) < p && 2 * std::abs(cx - nx) < p);
        if (!near) choices.push_back(corners[order[n]]);
      }
      if (choices.empty()) choices.push_back(corners[order[0]]);
      const auto carry_on = [&](std::pair<std::int64_t, std::int64_t> from, std::int64_t dy, std::int64_t dx) {
        if (from.first >= 0 && from.first + dy + p <= h && from.second + dx + p <= w)
          choices.emplace_back(from.first + dy, from.second + dx);
      };
      if (cj > 0) carry_on(placed[ci * cols.size() + cj - 1], 0, x0 - cols[cj - 1]);
      if (ci > 0) carry_on(placed[(ci - 1) * cols.size() + cj], y0 - rows[ci - 1], 0);
      // A piece lends its detail scaled by how well its colour matches.
      const auto scale_of = [&](std::pair<std::int64_t, std::int64_t> piece) {
        const double rms = std::sqrt(colour_cost(piece.first, piece.second) / 3);
        return std::clamp((o.far_match - rms) / (o.far_match - o.close_match), 0.0, 1.0);
      };
      std::size_t best = 0;
      double best_cost = 1e300;
      for (std::size_t n = 0; n < choices.size(); ++n) {
        const double scale = scale_of(choices[n]);
        double sum = 0;
        std::int64_t shared = 0;
        for (std::int64_t i = 0; i < p; ++i)
          for (std::int64_t j = 0; j < p; ++j) {
            if (!filled[static_cast<std::size_t>((y0 + i) * W + x0 + j)]) continue;
            ++shared;
            for (std::int64_t c = 0; c < 3; ++c) {
              const double diff =
                  scale * ds.at(c, choices[n].first + i, choices[n].second + j) - assembled.at(c, y0 + i, x0 + j);
              sum += diff * diff;
            }
          }
        const double cost = colour_cost(choices[n].first, choices[n].second) +
                            (shared > 0 ? sum / static_cast<double>(shared) : 0.0);
        if (cost < best_cost) best_cost = cost, best = n;
      }
      const auto [sy, sx] = choices[best];
      const double scale = scale_of(choices[best]);
      placed[ci * cols.size() + cj] = choices[best];
      for (std::int64_t i = 0; i < p; ++i)
        for (std::int64_t j = 0; j < p; ++j) {
          const auto at = static_cast<std::size_t>((y0 + i) * W + x0 + j);
          double a = 1;
          if (filled[at]) {
            if (y0 > 0 && i < ov) a *= static_cast<double>(i + 1) / static_cast<double>(ov + 1);
            if (x0 > 0 && j < ov) a *= static_cast<double>(j + 1) / static_cast<double>(ov + 1);
          }
          for (std::int64_t c = 0; c < 3; ++c)
            assembled.at(c, y0 + i, x0 + j) =
                a * scale * ds.at(c, sy + i, sx + j) + (1 - a) * assembled.at(c, y0 + i, x0 + j);
          filled[at] = 1;
        }
    }
  Planes out = r;
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t i = 0; i < H; ++i)
      for (std::int64_t j = 0; j < W; ++j)
        out.at(c, i, j) = std::clamp(r.at(c, i, j) + m.at(0, i, j) * assembled.at(c, i, j), 0.0, 1.0);
  return out.tensor({3, H, W});
}

// A result with a smooth left part (a gentle colour ramp) and a textured right part (noise).
Tensor half_smooth_result(std::int64_t H, std::int64_t W, Rng& g) {
  Tensor r = add(mul(arange(0, static_cast<double>(W)).reshape({1, 1, W}), 0.3 / static_cast<double>(W)),
                 full({3, H, W}, 0.35));
  Tensor right = r.narrow(2, W / 2, W - W / 2);
  right.copy_(add(right, mul(sub(rand({3, H, W - W / 2}, {}, &g), 0.5), 0.4)));
  return r;
}

// Vertical stripes of period 4 (columns of base and of base + amplitude) in every channel over `base` colour.
Tensor striped(std::int64_t H, std::int64_t W, const std::vector<double>& base, double amplitude) {
  Tensor s = zeros({3, H, W});
  for (std::int64_t c = 0; c < 3; ++c) {
    s.select(0, c).fill_(base[static_cast<std::size_t>(c)]);
    for (std::int64_t x = 0; x < W; x += 4) s.select(0, c).narrow(1, x, 2).fill_(base[static_cast<std::size_t>(c)] + amplitude);
  }
  return s;
}

}  // namespace

TEST_SUITE("image_style_texture") {
  TEST_CASE("matches the method written out in float64 (overlapping pieces, a textured half left alone)") {
    Rng g(21);
    // Matching thresholds wide enough that the pieces' scales spread over (0, 1).
    const image::StyleTextureOptions o{.patch = 12, .overlap = 3, .sigma = 1.5, .smooth_below = 0.05,
                                       .candidates = 5, .close_match = 0.05, .far_match = 0.3, .strength = 1.0};
    const Tensor result = half_smooth_result(34, 47, g);
    const Tensor style = rand({3, 30, 37}, {}, &g);
    GF_CHECK_CLOSE(image::transfer_style_texture(result, style, o), naive_texture(result, style, o), 0, 2e-5);
    // Every candidate kept, and a batch of one in and out.
    const image::StyleTextureOptions all{.patch = 12, .overlap = 5, .sigma = 1.0, .smooth_below = 0.03,
                                         .candidates = 1000, .close_match = 0.0, .far_match = 0.4, .strength = 0.7};
    const Tensor ours = image::transfer_style_texture(result.unsqueeze(0), style, all);
    CHECK(ours.shape() == Shape{1, 3, 34, 47});
    GF_CHECK_CLOSE(ours.select(0, 0), naive_texture(result, style, all), 0, 2e-5);
  }

  TEST_CASE("pieces come from the part of the style of the result's colour") {
    // Style: a flat black left half, red with stripes on the right.
    Tensor style = zeros({3, 48, 96});
    style.narrow(2, 48, 48).copy_(striped(48, 48, {0.7, 0.2, 0.1}, 0.2));
    const Tensor red = stack({full({40, 60}, 0.75), full({40, 60}, 0.25), full({40, 60}, 0.15)}, 0);
    const Tensor filled = image::transfer_style_texture(red, style);
    // The flat red result takes the stripes: its columns alternate.
    const Tensor added = sub(filled, red);
    CHECK(std::sqrt(mean(mul(added, added)).item()) > 0.05);
    // A flat black result takes pieces of the flat black half: nothing to add.
    const Tensor black = zeros({3, 40, 60});
    GF_CHECK_CLOSE(image::transfer_style_texture(black, style), black, 0, 1e-6);
    // A flat blue result matches no part of the style (colour far from both halves): no shapes are lent.
    const Tensor blue = stack({full({40, 60}, 0.1), full({40, 60}, 0.3), full({40, 60}, 0.8)}, 0);
    GF_CHECK_CLOSE(image::transfer_style_texture(blue, style), blue, 0, 1e-6);
  }

  TEST_CASE("a textured result, zero strength and a tiny picture are left as they are; strength scales") {
    Rng g(22);
    const Tensor style = rand({3, 40, 40}, {}, &g);
    const Tensor noisy = add(mul(rand({3, 32, 32}, {}, &g), 0.6), 0.2);  // detail amplitude far above 0.03
    GF_CHECK_CLOSE(image::transfer_style_texture(noisy, style), noisy, 0, 0);
    const Tensor flat = full({3, 32, 32}, 0.5);
    GF_CHECK_CLOSE(image::transfer_style_texture(flat, style, {.strength = 0.0}), flat, 0, 0);
    const Tensor tiny = full({3, 7, 30}, 0.5);
    GF_CHECK_CLOSE(image::transfer_style_texture(tiny, style), tiny, 0, 0);
    // Away from the clamp the added detail is proportional to the strength.
    const Tensor faint = add(mul(style, 0.2), 0.4);  // around the result's grey, so its pieces match
    const Tensor half = sub(image::transfer_style_texture(flat, faint, {.strength = 0.5}), flat);
    const Tensor whole = sub(image::transfer_style_texture(flat, faint, {.strength = 1.0}), flat);
    CHECK(max(abs(whole)).item() > 0.01);
    GF_CHECK_CLOSE(mul(half, 2.0), whole, 0, 1e-6);
  }

  TEST_CASE("a result or a style smaller than a patch: pieces of the largest size both hold") {
    Rng g(23);
    const Tensor style = rand({3, 30, 30}, {}, &g);
    const Tensor small = full({3, 13, 20}, 0.5);
    CHECK(max(abs(sub(image::transfer_style_texture(small, style), small))).item() > 0.01);  // pieces of 12
    const Tensor flat = full({3, 40, 40}, 0.5);
    CHECK(max(abs(sub(image::transfer_style_texture(flat, rand({3, 20, 40}, {}, &g)), flat))).item() > 0.01);  // 20
    GF_CHECK_CLOSE(image::transfer_style_texture(flat, rand({3, 7, 40}, {}, &g)), flat, 0, 0);  // under 8: none
    // The same as asking for pieces of that size: a 16-pixel style, pieces of 16 overlapping by 6 * 16 / 24 = 4.
    const Tensor style16 = add(mul(rand({3, 16, 32}, {}, &g), 0.4), 0.3);
    GF_CHECK_CLOSE(image::transfer_style_texture(flat, style16),
                   image::transfer_style_texture(flat, style16, {.patch = 16, .overlap = 4}), 0, 0);
  }

  TEST_CASE("bad arguments are refused with what was wrong") {
    const Tensor result = full({3, 32, 32}, 0.5), style = full({3, 32, 32}, 0.5);
    CHECK_THROWS_WITH_AS(image::transfer_style_texture(result, style, {.patch = 22}),
                         doctest::Contains("multiple of 4"), Error);
    CHECK_THROWS_WITH_AS(image::transfer_style_texture(result, style, {.patch = 16, .overlap = 8}),
                         doctest::Contains("overlap"), Error);
    CHECK_THROWS_WITH_AS(image::transfer_style_texture(result, zeros({3, 20})), doctest::Contains("transfer_style_texture"),
                         Error);
    CHECK_THROWS_WITH_AS(image::transfer_style_texture(full({1, 32, 32}, 0.5), style), doctest::Contains("RGB result"),
                         Error);
    CHECK_THROWS_WITH_AS(image::transfer_style_texture(result, style, {.candidates = 0}),
                         doctest::Contains("candidates"), Error);
    CHECK_THROWS_WITH_AS(image::transfer_style_texture(result, style, {.close_match = 0.2, .far_match = 0.1}),
                         doctest::Contains("close_match < far_match"), Error);
  }
}
