// Line charts: nice ticks and their labels, the raster underneath (antialiased
// strokes, the bitmap font), and pixel checks on whole charts: background,
// where a curve lands, the legend, text, gaps at NaN, smoothing, a PNG file.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <numeric>
#include <random>
#include <set>
#include <tuple>

#include "gf/io/image.hpp"
#include "gf/io/plot.hpp"
#include "helpers.hpp"
#include "io/canvas.hpp"
#include "io/font.hpp"
#include "io_helpers.hpp"

using namespace gf;
using io::Rgb;

namespace {

constexpr Rgb kRed{1.0f, 0.0f, 0.0f};
constexpr Rgb kWhite{1.0f, 1.0f, 1.0f};
constexpr Rgb kBlack{0.0f, 0.0f, 0.0f};

bool same(Rgb a, Rgb b, float tol = 1e-6f) {
  return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}

// A (3, H, W) image with pixel access.
struct Picture {
  explicit Picture(const Tensor& image)
      : h(static_cast<int>(image.size(1))), w(static_cast<int>(image.size(2))), v(image.to_vector<float>()) {}
  Rgb at(int x, int y) const {
    const std::size_t i = static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x);
    const std::size_t plane = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
    return {v[i], v[plane + i], v[2 * plane + i]};
  }
  bool dark(int x, int y) const { return at(x, y).r < 0.5f && at(x, y).g < 0.5f && at(x, y).b < 0.5f; }
  // Whether pixel (x, y) is mostly `c`: white (or a light grid line) mixed with
  // more than half of `c`, as an antialiased stroke leaves it.
  bool inked(int x, int y, Rgb c) const {
    const Rgb p = at(x, y);
    // How much of c is in p, read from the channel where c differs most from white.
    const float share = c.r <= c.g && c.r <= c.b ? (1 - p.r) / (1 - c.r)
                        : c.g <= c.b             ? (1 - p.g) / (1 - c.g)
                                                 : (1 - p.b) / (1 - c.b);
    const Rgb expected{1 + (c.r - 1) * share, 1 + (c.g - 1) * share, 1 + (c.b - 1) * share};
    return share > 0.5f && share < 1.05f && same(p, expected, 0.06f);
  }
  // Rows of column x that are mostly `c`.
  std::vector<int> rows_of(int x, Rgb c) const {
    std::vector<int> rows;
    for (int y = 0; y < h; ++y)
      if (inked(x, y, c)) rows.push_back(y);
    return rows;
  }
  // The bounding box (x0, y0, x1, y1), ends exclusive, of the dark pixels in a region.
  std::array<int, 4> ink_box(int x0, int y0, int x1, int y1) const {
    std::array<int, 4> box{x1, y1, x0, y0};
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x)
        if (dark(x, y)) box = {std::min(box[0], x), std::min(box[1], y), std::max(box[2], x + 1), std::max(box[3], y + 1)};
    return box;
  }
  int h, w;
  std::vector<float> v;
};

// The plot frame: the rows and columns that are mostly mid grey.
struct Frame {
  int top = -1, bottom = -1, left = -1, right = -1;
  // Centre row / column of a value in [lo, hi] on the data area inside the frame.
  double row(double y, double lo, double hi) const { return bottom - 1 - (y - lo) / (hi - lo) * (bottom - top - 2); }
  double col(double x, double lo, double hi) const { return left + 1 + (x - lo) / (hi - lo) * (right - left - 2); }
};

Frame find_frame(const Picture& p) {
  const auto grey = [&](int x, int y) {
    const Rgb c = p.at(x, y);
    return c.r == c.g && c.g == c.b && c.r > 0.3f && c.r < 0.6f;
  };
  Frame f;
  for (int y = 0; y < p.h; ++y) {
    int n = 0;
    for (int x = 0; x < p.w; ++x) n += grey(x, y);
    if (n > p.w / 2) (f.top < 0 ? f.top : f.bottom) = y;
  }
  for (int x = 0; x < p.w; ++x) {
    int n = 0;
    for (int y = 0; y < p.h; ++y) n += grey(x, y);
    if (n > p.h / 2) (f.left < 0 ? f.left : f.right) = x;
  }
  REQUIRE(f.top >= 0);
  REQUIRE(f.bottom > f.top);
  REQUIRE(f.left >= 0);
  REQUIRE(f.right > f.left);
  return f;
}

// A level red line at y = 1 on a fixed 0..2 axis, x from 0 to 10.
io::Series level_line(std::string name) { return {std::move(name), {0, 10}, {1, 1}, kRed}; }
io::PlotOptions small(io::PlotOptions o = {}) {
  o.width = 400, o.height = 300;
  return o;
}

// The ink of `text` drawn alone on a canvas (1 = ink), as a row-major mask.
std::vector<float> ink_of(std::string_view text, int scale, io::TextDirection direction = io::TextDirection::kRight) {
  const int w = direction == io::TextDirection::kRight ? io::text_width(text, scale) : io::text_height(scale);
  const int h = direction == io::TextDirection::kRight ? io::text_height(scale) : io::text_width(text, scale);
  io::Canvas canvas(w, h, kWhite);
  io::draw_text(canvas, 0, 0, text, scale, kBlack, direction);
  std::vector<float> mask;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) mask.push_back(1.0f - canvas.pixel(x, y).r);
  return mask;
}

}  // namespace

TEST_SUITE("plot") {
  TEST_CASE("nice_ticks on typical ranges") {
    struct Case {
      double lo, hi;
      int max_ticks;
      double want_lo, want_hi, want_step;
    };
    for (const Case& c : {Case{0, 1, 8, 0, 1, 0.2}, Case{0, 937, 8, 0, 1000, 200}, Case{-3.7, 12.2, 8, -5, 15, 5},
                          Case{0.0012, 0.0034, 5, 0.001, 0.004, 0.001}, Case{-250, -10, 8, -250, 0, 50},
                          Case{1e6, 3.3e6, 6, 1e6, 3.5e6, 5e5},
                          // A single value is widened by 10% (or by 1 around 0) first.
                          Case{5, 5, 8, 4.4, 5.6, 0.2}, Case{0, 0, 8, -1, 1, 0.5}}) {
      CAPTURE(c.lo);
      CAPTURE(c.hi);
      const io::AxisTicks t = io::nice_ticks(c.lo, c.hi, c.max_ticks);
      CHECK(t.lo == doctest::Approx(c.want_lo));
      CHECK(t.hi == doctest::Approx(c.want_hi));
      CHECK(t.step == doctest::Approx(c.want_step));
      REQUIRE(t.ticks.size() == static_cast<std::size_t>(std::llround((c.want_hi - c.want_lo) / c.want_step)) + 1);
      for (std::size_t i = 0; i < t.ticks.size(); ++i)
        CHECK(t.ticks[i] == doctest::Approx(c.want_lo + static_cast<double>(i) * c.want_step).epsilon(1e-12));
      CHECK(t.labels.size() == t.ticks.size());
    }
  }

  TEST_CASE("nice_ticks on random ranges: covering, evenly spaced 1-2-5 steps, the finest that fits") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> unit(-1, 1);
    std::uniform_int_distribution<int> decade(-6, 6), count(3, 12);
    for (int trial = 0; trial < 500; ++trial) {
      const double scale = std::pow(10.0, decade(rng));
      double lo = unit(rng) * scale, hi = unit(rng) * scale;
      if (lo > hi) std::swap(lo, hi);
      const int max_ticks = count(rng);
      CAPTURE(lo);
      CAPTURE(hi);
      CAPTURE(max_ticks);
      const io::AxisTicks t = io::nice_ticks(lo, hi, max_ticks);
      REQUIRE(t.ticks.size() >= 2);
      CHECK(t.ticks.size() <= static_cast<std::size_t>(max_ticks));
      CHECK(t.lo <= lo);
      CHECK(t.hi >= hi);
      CHECK(t.ticks.front() == t.lo);
      CHECK(t.ticks.back() == t.hi);
      const double mantissa = t.step / std::pow(10.0, std::floor(std::log10(t.step) + 1e-9));
      CHECK((std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 || std::abs(mantissa - 5) < 1e-9));
      for (std::size_t i = 1; i < t.ticks.size(); ++i)
        CHECK(t.ticks[i] - t.ticks[i - 1] == doctest::Approx(t.step).epsilon(1e-9));
      // The next finer nice step (5 -> 2, 2 -> 1, 1 -> 0.5) would need too many ticks.
      const double finer = t.step * (std::abs(mantissa - 2) < 1e-9 ? 0.5 : std::abs(mantissa - 5) < 1e-9 ? 0.4 : 0.5);
      const double needed = std::ceil(hi / finer - 1e-9) - std::floor(lo / finer + 1e-9) + 1;
      CHECK(needed > max_ticks);
    }
  }

  TEST_CASE("tick labels: the decimals the step needs, scientific for tiny steps and huge values") {
    CHECK(io::tick_label(0.5, 0.5) == "0.5");
    CHECK(io::tick_label(1, 0.5) == "1.0");
    CHECK(io::tick_label(0, 0.25) == "0.00");
    CHECK(io::tick_label(7.5, 2.5) == "7.5");
    CHECK(io::tick_label(250, 50) == "250");
    CHECK(io::tick_label(-0.2, 0.2) == "-0.2");
    CHECK(io::tick_label(0.004, 0.001) == "0.004");
    CHECK(io::tick_label(3 * 0.1 - 0.3, 0.1) == "0.0");  // not "-0.0"
    CHECK(io::tick_label(5e-5, 5e-5) == "5e-5");
    CHECK(io::tick_label(1e-4, 5e-5) == "1e-4");
    CHECK(io::tick_label(1.5e-4, 5e-5) == "1.5e-4");
    CHECK(io::tick_label(0, 5e-5) == "0");
    CHECK(io::tick_label(1.2e6, 2e5) == "1.2e6");
    CHECK(io::tick_label(3e6, 1e6) == "3e6");
    CHECK(io::tick_label(1250000, 5e4) == "1250000");  // below 1e5 a step keeps fixed notation
    // One notation per axis: all ticks of a coarse axis are scientific, 0 included.
    CHECK(io::nice_ticks(0, 1e6, 6).labels == std::vector<std::string>{"0", "2e5", "4e5", "6e5", "8e5", "1e6"});
    // nice_ticks labels its ticks this way.
    const io::AxisTicks t = io::nice_ticks(-0.3, 0.3, 8);
    CHECK(t.labels == std::vector<std::string>{"-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"});
  }

  TEST_CASE("log_ticks: decades, 1-2-5 within two decades, linear within less") {
    const io::AxisTicks decades = io::log_ticks(0.002, 50);
    CHECK(decades.lo == doctest::Approx(0.001));
    CHECK(decades.hi == doctest::Approx(100));
    CHECK(decades.labels == std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10", "100"});

    const io::AxisTicks sparse = io::log_ticks(1e-8, 1e8, 8);  // 17 decades: every 5th
    CHECK(sparse.step == 5);
    CHECK(sparse.labels == std::vector<std::string>{"1e-10", "1e-5", "1e0", "1e5", "1e10"});
    REQUIRE(sparse.ticks.size() == 5);
    CHECK(sparse.ticks.front() == doctest::Approx(1e-10));
    CHECK(sparse.ticks.back() == doctest::Approx(1e10));

    const io::AxisTicks one_two_five = io::log_ticks(0.13, 2.3);
    CHECK(one_two_five.lo == doctest::Approx(0.1));
    CHECK(one_two_five.hi == doctest::Approx(5));
    CHECK(one_two_five.labels == std::vector<std::string>{"0.1", "0.2", "0.5", "1", "2", "5"});

    const io::AxisTicks narrow = io::log_ticks(1.1, 1.9);  // only 1 and 2 would fit
    CHECK(narrow.step == doctest::Approx(0.2));
    CHECK(narrow.labels == std::vector<std::string>{"1.0", "1.2", "1.4", "1.6", "1.8", "2.0"});

    const io::AxisTicks near_zero = io::log_ticks(0.3, 2.9);  // linear ticks would reach 0
    CHECK(near_zero.lo > 0);
    for (double v : near_zero.ticks) CHECK(v > 0);

    GF_CHECK_CONTAINS(test::error_of([] { io::log_ticks(0, 1); }), "log_ticks: expected finite 0 < lo <= hi");
  }

  TEST_CASE("strokes are antialiased: each column of a shallow line holds about its thickness in ink") {
    io::Canvas canvas(100, 60, kWhite);
    canvas.stroke({{10, 20}, {90, 40}}, kBlack, 2.0);
    const double slope_factor = std::hypot(80.0, 20.0) / 80.0;  // a column cuts the line obliquely
    for (int x = 20; x < 80; ++x) {
      double ink = 0;
      int partial = 0;
      for (int y = 0; y < 60; ++y) {
        const float v = canvas.pixel(x, y).r;
        ink += 1.0 - v;
        partial += v > 0.02f && v < 0.98f;
      }
      CAPTURE(x);
      CHECK(ink == doctest::Approx(2.0 * slope_factor).epsilon(0.15));
      CHECK(partial >= 1);  // soft edges, not a staircase
    }
    // A lone point is a disc of the stroke's width.
    io::Canvas dot(40, 40, kWhite);
    dot.stroke({{20, 20}}, kBlack, 10.0);
    double area = 0;
    for (int y = 0; y < 40; ++y)
      for (int x = 0; x < 40; ++x) area += 1.0 - dot.pixel(x, y).r;
    CHECK(area == doctest::Approx(std::numbers::pi * 25).epsilon(0.05));
  }

  TEST_CASE("a line cut into many short segments looks the same as one segment (joints not darker)") {
    io::Canvas whole(120, 60, kWhite), pieces(120, 60, kWhite);
    whole.stroke({{10, 10}, {110, 50}}, kRed, 3.0);
    std::vector<io::Point> path;
    for (int i = 0; i <= 100; ++i) path.push_back({10.0 + i, 10 + 0.4 * i});
    pieces.stroke(path, kRed, 3.0);
    GF_CHECK_CLOSE(pieces.to_tensor(), whole.to_tensor(), 0, 1e-5);
  }

  TEST_CASE("text lands in its box, turned text in the turned box, read bottom to top") {
    io::Canvas canvas(260, 100, kWhite);
    const int x = 30, y = 20, scale = 2;
    io::draw_text(canvas, x, y, "loss_D (x) 1.5e-3", scale, kBlack);
    const int w = io::text_width("loss_D (x) 1.5e-3", scale), h = io::text_height(scale);
    CHECK(w == (17 * 6 - 1) * 2);
    CHECK(h == 18);
    int inside = 0, outside = 0;
    for (int py = 0; py < 100; ++py)
      for (int px = 0; px < 260; ++px) {
        const bool ink = canvas.pixel(px, py).r < 0.5f;
        const bool in_box = px >= x && px < x + w && py >= y && py < y + h;
        (in_box ? inside : outside) += ink;
      }
    CHECK(inside > 200);
    CHECK(outside == 0);

    // Turned: the box is h wide and w tall, and the first letter is at the bottom.
    const std::vector<float> up = ink_of("A    ", 1, io::TextDirection::kUp);  // 9 wide, 29 tall
    REQUIRE(up.size() == 9 * 29);
    double top_half = 0, bottom_half = 0;
    for (int py = 0; py < 29; ++py)
      for (int px = 0; px < 9; ++px) (py < 15 ? top_half : bottom_half) += up[static_cast<std::size_t>(py * 9 + px)];
    CHECK(top_half == 0);
    CHECK(bottom_half > 10);
    // Turning keeps the ink: same amount as the upright text.
    const std::vector<float> flat = ink_of("A    ", 1);
    CHECK(std::accumulate(up.begin(), up.end(), 0.0) == std::accumulate(flat.begin(), flat.end(), 0.0));
  }

  TEST_CASE("every printable character has its own glyph; others draw as '?'") {
    std::set<std::vector<float>> seen;
    for (char c = ' '; c <= '~'; ++c) {
      const std::vector<float> ink = ink_of(std::string(1, c), 1);
      const double total = std::accumulate(ink.begin(), ink.end(), 0.0);
      CAPTURE(c);
      CHECK((c == ' ' ? total == 0 : total > 0));
      CHECK(seen.insert(ink).second);  // no two characters look alike
    }
    CHECK(ink_of("\x01", 1) == ink_of("?", 1));
    // Scaling by 3 makes every font pixel a 3x3 block.
    const std::vector<float> one = ink_of("g", 1), three = ink_of("g", 3);
    for (int y = 0; y < 27; ++y)
      for (int x = 0; x < 15; ++x)
        CHECK(three[static_cast<std::size_t>(y * 15 + x)] == one[static_cast<std::size_t>((y / 3) * 5 + x / 3)]);
  }

  TEST_CASE("chart: white background, the frame, a level series on the expected row") {
    const Tensor image = io::plot_lines({level_line("")}, small({.y_min = 0.0, .y_max = 2.0}));
    CHECK(image.shape() == Shape({3, 300, 400}));
    CHECK(image.dtype() == DType::kFloat32);
    const Picture p(image);
    CHECK(same(p.at(0, 0), kWhite));
    CHECK(same(p.at(399, 299), kWhite));
    int white = 0;
    for (int y = 0; y < p.h; ++y)
      for (int x = 0; x < p.w; ++x) white += same(p.at(x, y), kWhite);
    CHECK(white > 0.7 * p.w * p.h);

    const Frame f = find_frame(p);
    const double expected = f.row(1.0, 0.0, 2.0);
    int red_pixels = 0;
    for (int x = 0; x < p.w; ++x) {
      const std::vector<int> rows = p.rows_of(x, kRed);
      red_pixels += static_cast<int>(rows.size());
      for (int r : rows) CHECK(std::abs(r - expected) <= 1.5);
      if (x > f.left + 3 && x < f.right - 3) CHECK(!rows.empty());  // the line runs across the plot
      if (x < f.left || x > f.right) CHECK(rows.empty());
    }
    CHECK(red_pixels > 0);
  }

  TEST_CASE("chart: a named series gets a legend swatch in its colour, away from the data") {
    const Picture unnamed(io::plot_lines({level_line("")}, small({.y_min = 0.0, .y_max = 2.0})));
    const Picture named(io::plot_lines({level_line("level")}, small({.y_min = 0.0, .y_max = 2.0})));
    const Frame f = find_frame(named);
    const double line_row = f.row(1.0, 0.0, 2.0);
    const auto swatch_pixels = [&](const Picture& p) {
      int n = 0, widest_run = 0;
      for (int y = f.top; y < f.bottom; ++y) {
        if (std::abs(y - line_row) < 6) continue;
        int run = 0;
        for (int x = f.left; x < f.right; ++x) {
          run = p.inked(x, y, kRed) ? run + 1 : 0;
          n += run > 0;
          widest_run = std::max(widest_run, run);
        }
      }
      return std::pair{n, widest_run};
    };
    CHECK(swatch_pixels(unnamed).first == 0);
    const auto [n, run] = swatch_pixels(named);
    CHECK(n > 0);
    CHECK(run >= 8);  // a short horizontal stroke
    // The legend's text is dark ink inside the plot, which the unnamed chart does not have.
    int dark_named = 0, dark_unnamed = 0;
    for (int y = f.top + 1; y < f.bottom; ++y)
      for (int x = f.left + 1; x < f.right; ++x) dark_named += named.dark(x, y), dark_unnamed += unnamed.dark(x, y);
    CHECK(dark_unnamed == 0);
    CHECK(dark_named > 20);
  }

  TEST_CASE("chart: title and axis labels put dark pixels in their boxes") {
    const io::PlotOptions labelled =
        small({.title = "Losses", .x_label = "step", .y_label = "loss", .y_min = 0.0, .y_max = 2.0});
    const Picture p(io::plot_lines({level_line("")}, labelled));
    const Frame f = find_frame(p);
    const int mid_x = (f.left + 1 + f.right) / 2, mid_y = (f.top + 1 + f.bottom) / 2;
    // The chart is 400x300, so body text has scale 1 and the title scale 2.
    // Title: above the frame, centred on the plot, as wide as its text.
    const auto title = p.ink_box(f.left, 0, p.w, f.top);
    CHECK(title[2] - title[0] == io::text_width("Losses", 2));
    CHECK(std::abs((title[0] + title[2]) / 2 - mid_x) <= 2);
    CHECK(title[3] - title[1] == 7 * 2);  // capitals and lower case without descenders: 7 rows
    // x label: the bottom strip, below the tick labels.
    const auto x_label = p.ink_box(0, p.h - 16, p.w, p.h);
    CHECK(x_label[2] - x_label[0] == io::text_width("step", 1));
    CHECK(std::abs((x_label[0] + x_label[2]) / 2 - mid_x) <= 2);
    // y label: turned, at the left edge, centred on the plot.
    const auto y_label = p.ink_box(0, 0, 16, p.h);
    CHECK(y_label[2] - y_label[0] == 7);
    CHECK(std::abs(y_label[3] - y_label[1] - io::text_width("loss", 1)) <= 1);  // 'l' has a blank first column
    CHECK(std::abs((y_label[1] + y_label[3]) / 2 - mid_y) <= 2);

    // Without them those places stay blank.
    const Picture bare(io::plot_lines({level_line("")}, small({.y_min = 0.0, .y_max = 2.0})));
    const Frame g = find_frame(bare);
    const auto none = bare.ink_box(g.left, 0, bare.w, g.top);
    CHECK(none[0] >= none[2]);  // empty box
    const auto left = bare.ink_box(0, 0, 5, bare.h);
    CHECK(left[0] >= left[2]);
  }

  TEST_CASE("chart: NaN and infinite values are skipped, leaving a gap") {
    std::vector<double> x, y;
    for (int i = 0; i <= 20; ++i) x.push_back(i), y.push_back(1.0);
    y[10] = std::nan(""), y[4] = INFINITY, y[16] = -INFINITY;
    const Tensor image = io::plot_lines({{"", x, y, kRed}}, small({.y_min = 0.0, .y_max = 2.0}));
    const std::vector<float> values = image.to_vector<float>();
    CHECK(std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v) && v >= 0 && v <= 1; }));
    const Picture p(image);
    const Frame f = find_frame(p);
    const auto red_at = [&](double xv) {
      const int col = static_cast<int>(f.col(xv, 0, 20));
      return !p.rows_of(col, kRed).empty();
    };
    CHECK(red_at(2));
    CHECK(red_at(7));
    CHECK(red_at(13));
    CHECK(red_at(19));
    CHECK_FALSE(red_at(10));
    CHECK_FALSE(red_at(4));
    CHECK_FALSE(red_at(16));
    // The y range comes from the finite values only: a NaN/Inf does not stretch it.
    const Picture auto_range(io::plot_lines({{"", x, y, kRed}}, small()));
    const Frame g = find_frame(auto_range);
    const std::vector<int> rows = auto_range.rows_of(static_cast<int>(g.col(2, 0, 20)), kRed);
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.front() > g.top + 10);
    CHECK(rows.back() < g.bottom - 10);
  }

  TEST_CASE("chart: no series, an empty series, one point, a constant series, a log axis with y <= 0") {
    CHECK(io::plot_lines({}).shape() == Shape({3, 480, 800}));
    CHECK(io::plot_lines({{"empty", {}, {}, kRed}}, small()).shape() == Shape({3, 300, 400}));

    const Picture point(io::plot_lines({{"", {3.0}, {7.0}, kRed}}, small()));
    int red = 0;
    for (int x = 0; x < point.w; ++x) red += static_cast<int>(point.rows_of(x, kRed).size());
    CHECK(red >= 4);  // a visible dot

    // A constant series sits inside the plot, clear of the frame.
    const Picture flat(io::plot_lines({{"", {}, std::vector<double>(30, 0.37), kRed}}, small()));
    const Frame f = find_frame(flat);
    const std::vector<int> rows = flat.rows_of((f.left + f.right) / 2, kRed);
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.front() > f.top + 10);
    CHECK(rows.back() < f.bottom - 10);

    // On a log axis, y <= 0 cannot be drawn and is skipped like NaN.
    const Tensor log_plot = io::plot_lines({{"", {}, {0, -1, 1, 10, 100, 1000}, kRed}}, small({.log_y = true}));
    const std::vector<float> values = log_plot.to_vector<float>();
    CHECK(std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); }));
  }

  TEST_CASE("chart: smoothing draws the moving average in full colour over a faint copy of the data") {
    std::vector<double> y;
    for (int i = 0; i < 300; ++i) y.push_back(i % 3);  // 0 1 2 0 1 2 ...: 15-point averages are exactly 1
    const Picture p(io::plot_lines({{"", {}, y, kRed}}, small({.smoothing = 15, .y_min = -1.0, .y_max = 3.0})));
    const Frame f = find_frame(p);
    const double middle = f.row(1.0, -1.0, 3.0), low = f.row(0.0, -1.0, 3.0);
    const Rgb faint{1.0f, 0.7f, 0.7f};  // 30% of red
    // Away from the ends, where the averaging window is cut off.
    const int margin = (f.right - f.left) / 20;
    int full = 0, faint_low = 0;
    for (int x = f.left + margin; x < f.right - margin; ++x) {
      for (int r : p.rows_of(x, kRed)) {
        CHECK(std::abs(r - middle) <= 2);
        ++full;
      }
      for (int r : p.rows_of(x, faint)) faint_low += std::abs(r - low) <= 2;
    }
    CHECK(full > 200);
    CHECK(faint_low > 20);
  }

  TEST_CASE("series without a colour take the palette in order") {
    std::set<std::tuple<float, float, float>> colours;
    for (std::size_t i = 0; i < 8; ++i) {
      const Rgb c = io::default_colour(i);
      colours.insert({c.r, c.g, c.b});
    }
    CHECK(colours.size() == 8);
    CHECK(same(io::default_colour(9), io::default_colour(1)));
    const Picture p(
        io::plot_lines({{"", {0, 1}, {1, 1}, {}}, {"", {0, 1}, {2, 2}, {}}}, small({.y_min = 0.0, .y_max = 3.0})));
    int first = 0, second = 0;
    for (int x = 0; x < p.w; ++x) {
      first += !p.rows_of(x, io::default_colour(0)).empty();
      second += !p.rows_of(x, io::default_colour(1)).empty();
    }
    CHECK(first > 100);
    CHECK(second > 100);
  }

  TEST_CASE("bad input is refused with a message that says what is wrong") {
    GF_CHECK_CONTAINS(test::error_of([] { io::plot_lines({{"loss_D", {1, 2, 3}, {1, 2}, {}}}); }),
                      "plot_lines: series 'loss_D' has 3 x values but 2 y values");
    GF_CHECK_CONTAINS(test::error_of([] { io::plot_lines({level_line("")}, small({.log_y = true, .y_min = 0.0})); }),
                      "not positive (log y axis)");
    GF_CHECK_CONTAINS(test::error_of([] { io::plot_lines({}, {.width = 40, .height = 30}); }),
                      "leaves no room for the plot");
    GF_CHECK_CONTAINS(test::error_of([] { io::plot_lines({}, {.width = 0}); }), "width and height must be positive");
    GF_CHECK_CONTAINS(test::error_of([] { io::nice_ticks(2, 1); }), "nice_ticks: expected finite lo <= hi");
    GF_CHECK_CONTAINS(test::error_of([] { io::nice_ticks(-1, 1, 2); }), "max_ticks must be at least 3, got 2");
  }

  TEST_CASE("save_plot writes a PNG that reads back with the chart's size and pixels") {
    test::TempDir dir("plot");
    const std::string path = dir.file("losses.png");
    const std::vector<io::Series> series = {level_line("level"), {"noise", {}, {0.5, 1.5, 0.7, 1.2}, {}}};
    const io::PlotOptions options = small({.title = "Losses", .x_label = "step"});
    io::save_plot(path, series, options);
    const Tensor back = io::read_image(path);
    CHECK(back.shape() == Shape({3, 300, 400}));
    GF_CHECK_CLOSE(back, io::plot_lines(series, options), 0, 0.5 / 255 + 1e-6);
  }
}
