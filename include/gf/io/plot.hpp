#pragma once
// Line charts drawn straight into an image tensor, for loss curves and the like.
//
//   std::vector<gf::io::Series> curves = {{"loss_D", steps, loss_d}, {"loss_G", steps, loss_g}};
//   gf::io::save_plot("out/losses.png", curves,
//                     {.title = "DCGAN losses", .x_label = "step", .y_label = "loss", .smoothing = 25});
//
// The chart has a white background, axes with "nice" tick values (1, 2 or 5
// times a power of ten) and grid lines, a legend and a title, all drawn by
// ganforge itself (a built-in bitmap font, antialiased lines).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::io {

/// A colour with channels in [0, 1].
struct Rgb {
  float r, g, b;
};

/// One curve: y against x. An empty x means x = 0, 1, 2, ...; points whose x or y
/// is NaN or infinite are skipped (the curve breaks there).
struct Series {
  std::string name;  // shown in the legend; "" leaves the curve out of it
  std::vector<double> x;
  std::vector<double> y;
  std::optional<Rgb> colour;  // unset: the next colour of default_colour()
};

struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 800;   // pixels
  int height = 480;  // pixels
  /// Moving-average window in points: each point is drawn as the mean of itself
  /// and the smoothing / 2 points on either side (fewer at the ends), over a
  /// faint copy of the raw data. <= 1 draws the raw data only.
  int smoothing = 0;
  bool log_y = false;  // logarithmic y axis; y <= 0 is skipped
  /// Fixed y range (e.g. to keep a first-step spike from flattening the rest);
  /// unset means from the data. Points outside are clipped.
  std::optional<double> y_min, y_max;
};

/// The i-th colour of a palette of well separated colours (repeats after 8).
Rgb default_colour(std::size_t i);

/// A tick-marked axis range: [lo, hi] with ticks at multiples of `step`
/// (1, 2 or 5 times a power of ten), and the text to print at each tick.
struct AxisTicks {
  double lo, hi, step;
  std::vector<double> ticks;
  std::vector<std::string> labels;  // tick_label of each tick
};

/// At most `max_ticks` (>= 3) nice ticks covering [lo, hi]; the range grows
/// outwards to the nearest ticks. An empty range (lo == hi) is widened around
/// its value first.
AxisTicks nice_ticks(double lo, double hi, int max_ticks = 8);

/// Ticks for a logarithmic axis over [lo, hi] (both > 0), in data units:
///  - within two decades, 1, 2 and 5 x 10^k when 3 to max_ticks of them cover
///    [lo, hi] (range grown to the outermost, `step` 0);
///  - else within one decade, nice_ticks over [lo, hi] kept above 0 (step in data units);
///  - else powers of ten, every 10^k-th one when there are many, the range grown
///    to whole decades (`step` in decades).
AxisTicks log_ticks(double lo, double hi, int max_ticks = 8);

/// `ticks` over exactly [lo, hi]: the ticks outside are dropped.
AxisTicks clip_ticks(AxisTicks ticks, double lo, double hi);

/// The label for tick `value` on an axis with tick spacing `step`: as many
/// decimals as multiples of the step need ("0.5", "1.0", "250", "0.25");
/// scientific, with mantissa digits down to the step's, when the step is below
/// 1e-4 or at least 1e5 ("5e-5", "1.5e-4", "1.2e6").
std::string tick_label(double value, double step);

/// Draws the series as a line chart: (3, options.height, options.width) float32 in [0, 1].
Tensor plot_lines(const std::vector<Series>& series, const PlotOptions& options = {});

/// plot_lines + write_image (PNG or JPEG by the extension of `path`).
void save_plot(const std::string& path, const std::vector<Series>& series, const PlotOptions& options = {});

}  // namespace gf::io
