#pragma once
// A small RGB raster to draw charts on: filled rectangles and antialiased
// strokes. Coordinates are pixels, x to the right and y down; pixel (x, y)
// covers the square [x, x+1) x [y, y+1), so its centre is (x + 0.5, y + 0.5).
// Everything drawn is clipped to the canvas and to the clip rectangle.
#include <vector>

#include "gf/core/tensor.hpp"
#include "gf/io/plot.hpp"

namespace gf::io {

/// Pixels x0 <= x < x1, y0 <= y < y1.
struct Rect {
  int x0, y0, x1, y1;
};

/// A position in pixels (fractions allowed).
struct Point {
  double x, y;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  Rgb pixel(int x, int y) const;

  /// Limits drawing to `clip` (within the canvas) until the next set_clip.
  void set_clip(Rect clip);
  void clear_clip() { clip_ = {0, 0, width_, height_}; }

  /// Mixes `colour` into pixel (x, y) with weight `alpha` in [0, 1]; outside the clip: nothing.
  void blend(int x, int y, Rgb colour, float alpha);
  /// Fills the pixels x0 <= x < x1, y0 <= y < y1.
  void fill_rect(int x0, int y0, int x1, int y1, Rgb colour);
  /// Joins the points with straight lines `thickness` pixels wide, with round
  /// ends and joints (a single point gives a disc). Antialiased: each pixel takes
  /// the share of it the stroke covers, counted once however many segments
  /// touch it, so joints of short segments do not come out darker.
  void stroke(const std::vector<Point>& path, Rgb colour, double thickness);

  /// The picture as (3, H, W) float32 in [0, 1].
  Tensor to_tensor() const;

 private:
  std::size_t index(int x, int y) const {
    return static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x);
  }

  int width_, height_;
  Rect clip_;
  std::vector<Rgb> pixels_;  // (H, W), row-major
};

}  // namespace gf::io
