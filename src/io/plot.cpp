// Line charts: series -> axis ranges with nice ticks -> a layout sized from the
// text it holds -> pixels, drawn back to front: grid, curves (faint raw data
// under smoothed curves), legend, then the frame, ticks, labels and title.
#include "gf/io/plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "gf/core/error.hpp"
#include "gf/io/image.hpp"
#include "io/canvas.hpp"
#include "io/font.hpp"

namespace gf::io {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Rgb kPaper{1.0f, 1.0f, 1.0f};
constexpr Rgb kInk{0.13f, 0.13f, 0.13f};
constexpr Rgb kGridLine{0.9f, 0.9f, 0.9f};
constexpr Rgb kFrameLine{0.45f, 0.45f, 0.45f};
constexpr Rgb kLegendBorder{0.75f, 0.75f, 0.75f};
// Smoothed curves are drawn over their raw data in this much of their colour (the rest white).
constexpr float kRawShare = 0.3f;

Rgb mix(Rgb a, Rgb b, float share_of_a) {
  return {b.r + (a.r - b.r) * share_of_a, b.g + (a.g - b.g) * share_of_a, b.b + (a.b - b.b) * share_of_a};
}

// ---- the data -------------------------------------------------------------------------

// A series ready to draw. y values are in axis units (log10 on a log axis), NaN
// where a point is skipped.
struct Curve {
  std::string name;
  Rgb colour;
  std::vector<double> x, y;
  std::vector<double> smooth;  // the moving average of y; empty without smoothing
};

// Centred moving average: point i averages the finite values among the
// `window` / 2 points on each side of it. Near the ends the window is cut off
// by the edge of the data (not shifted, which would flatten the ends, nor
// shrunk to stay centred, which would leave the end points unsmoothed).
// Non-finite points stay NaN so the curve keeps its gaps.
std::vector<double> moving_average(const std::vector<double>& y, int window) {
  const std::size_t n = y.size(), half = static_cast<std::size_t>(window / 2);
  std::vector<double> sum(n + 1, 0.0), count(n + 1, 0.0);  // prefix sums over finite values
  for (std::size_t i = 0; i < n; ++i) {
    const bool finite = std::isfinite(y[i]);
    sum[i + 1] = sum[i] + (finite ? y[i] : 0.0);
    count[i + 1] = count[i] + (finite ? 1.0 : 0.0);
  }
  std::vector<double> out(n, kNaN);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(y[i])) continue;
    const std::size_t first = i > half ? i - half : 0, end = std::min(n, i + half + 1);
    out[i] = (sum[end] - sum[first]) / (count[end] - count[first]);
  }
  return out;
}

Curve prepare(const Series& s, std::size_t index, const PlotOptions& options) {
  GF_CHECK(s.x.empty() || s.x.size() == s.y.size(), "plot_lines: series '", s.name, "' has ", s.x.size(),
           " x values but ", s.y.size(), " y values");
  Curve c{s.name, s.colour.value_or(default_colour(index)), {}, {}, {}};
  for (std::size_t i = 0; i < s.y.size(); ++i) {
    const double x = s.x.empty() ? static_cast<double>(i) : s.x[i], y = s.y[i];
    const bool drawable = std::isfinite(x) && std::isfinite(y) && (!options.log_y || y > 0);
    c.x.push_back(x);
    c.y.push_back(drawable ? y : kNaN);
  }
  if (options.smoothing > 1) c.smooth = moving_average(c.y, options.smoothing);
  if (options.log_y) {
    for (double& y : c.y) y = std::log10(y);
    for (double& y : c.smooth) y = std::log10(y);
  }
  return c;
}

// ---- axes and layout --------------------------------------------------------------------

int widest(const std::vector<std::string>& texts, int scale) {
  int w = 0;
  for (const std::string& t : texts) w = std::max(w, text_width(t, scale));
  return w;
}

// Where everything goes, in pixels.
struct Layout {
  int scale;        // of the body text (tick labels, axis labels, legend)
  int title_scale;  // one step larger when the title fits
  int pad, tick, gap;
  Rect plot;  // the data area, inside the frame
  AxisTicks x, y;  // y in data units
  bool log_y;
  double y_lo, y_hi;  // the y range in axis units

  // Pixel coordinates (of pixel centres: +0.5) of a data point, y in axis units.
  Point map(double data_x, double axis_y) const {
    const double fx = (data_x - x.lo) / (x.hi - x.lo);
    const double fy = (axis_y - y_lo) / (y_hi - y_lo);
    return {plot.x0 + 0.5 + fx * (plot.x1 - plot.x0 - 1), plot.y1 - 0.5 - fy * (plot.y1 - plot.y0 - 1)};
  }
  double axis(double data_y) const { return log_y ? std::log10(data_y) : data_y; }
};

// The range of the finite points, or `fallback` when there are none.
std::pair<double, double> range(const std::vector<Curve>& curves, bool of_x, std::pair<double, double> fallback) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Curve& c : curves)
    for (std::size_t i = 0; i < c.x.size(); ++i)
      if (std::isfinite(c.y[i])) {
        const double v = of_x ? c.x[i] : c.y[i];
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
  return lo <= hi ? std::pair{lo, hi} : fallback;
}

Layout make_layout(const std::vector<Curve>& curves, const PlotOptions& o) {
  Layout l{};
  l.scale = std::max(1, std::min(o.width / 400, o.height / 240));
  const int s = l.scale;
  l.pad = 6 * s, l.tick = 3 * s, l.gap = 2 * s;
  l.log_y = o.log_y;
  l.title_scale = text_width(o.title, s + 1) <= o.width - 2 * l.pad ? s + 1 : s;

  // y: the data range (in data units), overridden by y_min / y_max.
  auto [data_lo, data_hi] = range(curves, false, {0.0, 1.0});  // no data: 0..1 (1..10 on a log axis)
  if (o.log_y) data_lo = std::pow(10.0, data_lo), data_hi = std::pow(10.0, data_hi);
  if (o.y_min) data_lo = *o.y_min;
  if (o.y_max) data_hi = *o.y_max;
  GF_CHECK(data_lo <= data_hi && (!o.log_y || data_lo > 0) && (!o.y_min || !o.y_max || *o.y_min < *o.y_max),
           "plot_lines: y range [", data_lo, ", ", data_hi, "] is empty", o.log_y ? " or not positive (log y axis)" : "");

  const int top = l.pad + (o.title.empty() ? 0 : text_height(l.title_scale) + l.pad);
  const int bottom = l.tick + l.gap + text_height(s) + (o.x_label.empty() ? 0 : 2 * l.gap + text_height(s)) + l.pad;
  l.plot.y0 = top, l.plot.y1 = o.height - bottom;
  const int max_y_ticks = std::clamp((l.plot.y1 - l.plot.y0) / (2 * text_height(s)), 3, 10);
  l.y = o.log_y ? log_ticks(data_lo, data_hi, max_y_ticks) : nice_ticks(data_lo, data_hi, max_y_ticks);
  if (o.y_min || o.y_max) l.y = clip_ticks(l.y, o.y_min.value_or(l.y.lo), o.y_max.value_or(l.y.hi));  // kept exactly
  l.y_lo = l.axis(l.y.lo), l.y_hi = l.axis(l.y.hi);

  const int left = l.pad + (o.y_label.empty() ? 0 : text_height(s) + 2 * l.gap) + widest(l.y.labels, s) + l.gap +
                   l.tick;
  l.plot.x0 = left;

  // x: the data's own range (a run's first and last step at the edges, no blank
  // margins), with as many ticks as fit with their labels four characters apart.
  const auto [x_lo, x_hi] = range(curves, true, {0.0, 1.0});
  const int room = o.width - left - l.pad;
  for (int max_x_ticks = 12;; --max_x_ticks) {
    l.x = nice_ticks(x_lo, x_hi, max_x_ticks);
    if (x_lo < x_hi) l.x = clip_ticks(l.x, x_lo, x_hi);
    const double spacing = room * l.x.step / (l.x.hi - l.x.lo);
    if (max_x_ticks == 3 || spacing >= widest(l.x.labels, s) + 4 * kGlyphAdvance * s) break;
  }
  // The last x label is centred on the right edge of the plot: leave it room.
  l.plot.x1 = o.width - std::max(l.pad, widest(l.x.labels, s) / 2 + s);

  GF_CHECK(l.plot.x1 - l.plot.x0 >= 16 && l.plot.y1 - l.plot.y0 >= 16, "plot_lines: a ", o.width, "x", o.height,
           " image leaves no room for the plot next to its labels; make it larger");
  return l;
}

// ---- drawing -------------------------------------------------------------------------------

// The left edge for text `width` wide centred on `middle`, kept inside an image `image_width` wide.
int centred(int middle, int width, int image_width) {
  return std::clamp(middle - width / 2, 0, std::max(0, image_width - width));
}

// The drawable stretches of a curve: runs of consecutive finite points, in pixels.
std::vector<std::vector<Point>> runs(const Layout& l, const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<std::vector<Point>> out(1);
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (std::isfinite(y[i])) out.back().push_back(l.map(x[i], y[i]));
    else if (!out.back().empty()) out.emplace_back();
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

void draw_curve(Canvas& canvas, const Layout& l, const std::vector<double>& x, const std::vector<double>& y, Rgb colour,
                double thickness) {
  for (const std::vector<Point>& run : runs(l, x, y))
    canvas.stroke(run, colour, run.size() == 1 ? 2.5 * thickness : thickness);  // a lone point: a visible dot
}

void draw_grid(Canvas& canvas, const Layout& l) {
  const Rect& p = l.plot;
  for (const double t : l.x.ticks) {
    const int col = static_cast<int>(l.map(t, l.y_lo).x);
    canvas.fill_rect(col, p.y0, col + 1, p.y1, kGridLine);
  }
  for (const double t : l.y.ticks) {
    const int row = static_cast<int>(l.map(l.x.lo, l.axis(t)).y);
    canvas.fill_rect(p.x0, row, p.x1, row + 1, kGridLine);
  }
}

void draw_axes(Canvas& canvas, const Layout& l, const PlotOptions& o) {
  const Rect& p = l.plot;
  const int s = l.scale;
  // The frame sits just outside the data area.
  canvas.fill_rect(p.x0 - 1, p.y0 - 1, p.x1 + 1, p.y0, kFrameLine);
  canvas.fill_rect(p.x0 - 1, p.y1, p.x1 + 1, p.y1 + 1, kFrameLine);
  canvas.fill_rect(p.x0 - 1, p.y0, p.x0, p.y1, kFrameLine);
  canvas.fill_rect(p.x1, p.y0, p.x1 + 1, p.y1, kFrameLine);

  const int x_label_top = p.y1 + 1 + l.tick + l.gap;
  for (std::size_t i = 0; i < l.x.ticks.size(); ++i) {
    const int col = static_cast<int>(l.map(l.x.ticks[i], l.y_lo).x);
    canvas.fill_rect(col, p.y1 + 1, col + 1, p.y1 + 1 + l.tick, kFrameLine);
    const int w = text_width(l.x.labels[i], s);
    draw_text(canvas, centred(col, w, o.width), x_label_top, l.x.labels[i], s, kInk);
  }
  for (std::size_t i = 0; i < l.y.ticks.size(); ++i) {
    const int row = static_cast<int>(l.map(l.x.lo, l.axis(l.y.ticks[i])).y);
    canvas.fill_rect(p.x0 - 1 - l.tick, row, p.x0 - 1, row + 1, kFrameLine);
    // Right-aligned, centred on the tick by the height of a capital (7 font pixels).
    draw_text(canvas, p.x0 - 1 - l.tick - l.gap - text_width(l.y.labels[i], s), row - 7 * s / 2, l.y.labels[i], s,
              kInk);
  }

  const int middle_x = (p.x0 + p.x1) / 2;
  if (!o.x_label.empty())
    draw_text(canvas, centred(middle_x, text_width(o.x_label, s), o.width), x_label_top + text_height(s) + 2 * l.gap,
              o.x_label, s, kInk);
  if (!o.y_label.empty())
    draw_text(canvas, l.pad, (p.y0 + p.y1 - text_width(o.y_label, s)) / 2, o.y_label, s, kInk, TextDirection::kUp);
  if (!o.title.empty())
    draw_text(canvas, centred(middle_x, text_width(o.title, l.title_scale), o.width), l.pad, o.title, l.title_scale,
              kInk);
}

// The legend goes into whichever corner of the plot hides the least of the
// curves already drawn (ties: top right first).
void draw_legend(Canvas& canvas, const Layout& l, const std::vector<Curve>& curves, double thickness) {
  std::vector<const Curve*> named;
  for (const Curve& c : curves)
    if (!c.name.empty()) named.push_back(&c);
  if (named.empty()) return;

  const int s = l.scale, inner = 4 * s, swatch = 12 * s, row = text_height(s) + 2 * s;
  int names_w = 0;
  for (const Curve* c : named) names_w = std::max(names_w, text_width(c->name, s));
  const int box_w = inner + swatch + 2 * l.gap + names_w + inner;
  const int box_h = 2 * inner + static_cast<int>(named.size()) * row - 2 * s;

  const Rect& p = l.plot;
  const int inset = 2 * l.gap;
  const std::array<Rect, 4> corners = {{
      {p.x1 - inset - box_w, p.y0 + inset, p.x1 - inset, p.y0 + inset + box_h},  // top right
      {p.x0 + inset, p.y0 + inset, p.x0 + inset + box_w, p.y0 + inset + box_h},  // top left
      {p.x1 - inset - box_w, p.y1 - inset - box_h, p.x1 - inset, p.y1 - inset},  // bottom right
      {p.x0 + inset, p.y1 - inset - box_h, p.x0 + inset + box_w, p.y1 - inset},  // bottom left
  }};
  const auto inked = [&](const Rect& r) {
    std::size_t count = 0;
    for (int y = std::max(r.y0, 0); y < std::min(r.y1, canvas.height()); ++y)
      for (int x = std::max(r.x0, 0); x < std::min(r.x1, canvas.width()); ++x) {
        const Rgb c = canvas.pixel(x, y);
        const auto is = [&](Rgb k) { return c.r == k.r && c.g == k.g && c.b == k.b; };
        count += !is(kPaper) && !is(kGridLine);
      }
    return count;
  };
  Rect box = corners[0];
  std::size_t fewest = inked(box);
  for (const Rect& r : corners)
    if (const std::size_t n = inked(r); n < fewest) box = r, fewest = n;

  canvas.fill_rect(box.x0, box.y0, box.x1, box.y1, kLegendBorder);
  canvas.fill_rect(box.x0 + 1, box.y0 + 1, box.x1 - 1, box.y1 - 1, kPaper);
  for (std::size_t i = 0; i < named.size(); ++i) {
    const int top = box.y0 + inner + static_cast<int>(i) * row;
    const double middle = std::floor(top + 3.5 * s) + 0.5;  // half a capital down, on a pixel centre (crisp)
    canvas.stroke({{box.x0 + inner + 0.5, middle}, {box.x0 + inner + swatch - 0.5, middle}}, named[i]->colour,
                  thickness);
    draw_text(canvas, box.x0 + inner + swatch + 2 * l.gap, top, named[i]->name, s, kInk);
  }
}

}  // namespace

Rgb default_colour(std::size_t i) {
  static constexpr std::array<Rgb, 8> kPalette = {{
      {0.13f, 0.42f, 0.75f},  // blue
      {0.93f, 0.46f, 0.00f},  // orange
      {0.15f, 0.60f, 0.25f},  // green
      {0.82f, 0.16f, 0.18f},  // red
      {0.52f, 0.33f, 0.72f},  // purple
      {0.00f, 0.60f, 0.62f},  // teal
      {0.55f, 0.35f, 0.20f},  // brown
      {0.85f, 0.30f, 0.65f},  // magenta
  }};
  return kPalette[i % kPalette.size()];
}

Tensor plot_lines(const std::vector<Series>& series, const PlotOptions& options) {
  GF_CHECK(options.width > 0 && options.height > 0, "plot_lines: width and height must be positive, got ",
           options.width, "x", options.height);
  std::vector<Curve> curves;
  for (std::size_t i = 0; i < series.size(); ++i) curves.push_back(prepare(series[i], i, options));
  const Layout layout = make_layout(curves, options);
  const double thickness = 1.25 * layout.scale;

  Canvas canvas(options.width, options.height, kPaper);
  draw_grid(canvas, layout);
  canvas.set_clip(layout.plot);
  // Every faint raw copy first, so none of them hides another curve's smoothed line.
  for (const Curve& c : curves)
    if (!c.smooth.empty()) draw_curve(canvas, layout, c.x, c.y, mix(c.colour, kPaper, kRawShare), thickness);
  for (const Curve& c : curves) draw_curve(canvas, layout, c.x, c.smooth.empty() ? c.y : c.smooth, c.colour, thickness);
  canvas.clear_clip();
  draw_legend(canvas, layout, curves, thickness);
  draw_axes(canvas, layout, options);
  return canvas.to_tensor();
}

void save_plot(const std::string& path, const std::vector<Series>& series, const PlotOptions& options) {
  write_image(path, plot_lines(series, options));
}

}  // namespace gf::io
