// The chart raster. Lines are antialiased by coverage: a pixel's share of a
// stroke is estimated from the distance between the pixel's centre and the
// stroke's centre line, which handles any thickness and slope alike (a
// generalisation of what Xiaolin Wu's algorithm does for one-pixel lines).
#include "io/canvas.hpp"

#include <algorithm>
#include <cmath>

#include "gf/core/error.hpp"

namespace gf::io {
namespace {

// Distance from p to the segment a-b (a point when a == b).
double distance_to_segment(Point p, Point a, Point b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double length2 = dx * dx + dy * dy;
  const double t = length2 > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / length2, 0.0, 1.0) : 0.0;
  return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

// The pixels within `reach` of the segment a-b, limited to `clip` (possibly empty).
Rect pixels_near(Point a, Point b, double reach, Rect clip) {
  // Clamped as doubles first: a point far off the canvas must not overflow an int.
  const auto pixel = [](double v, int lo, int hi) { return static_cast<int>(std::clamp(v, double(lo), double(hi))); };
  return {pixel(std::floor(std::min(a.x, b.x) - reach), clip.x0, clip.x1),
          pixel(std::floor(std::min(a.y, b.y) - reach), clip.y0, clip.y1),
          pixel(std::ceil(std::max(a.x, b.x) + reach), clip.x0, clip.x1),
          pixel(std::ceil(std::max(a.y, b.y) + reach), clip.y0, clip.y1)};
}

}  // namespace

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width), height_(height),
      pixels_(static_cast<std::size_t>(std::max(width, 0)) * static_cast<std::size_t>(std::max(height, 0)),
              background) {
  GF_CHECK(width > 0 && height > 0, "Canvas: width and height must be positive, got ", width, "x", height);
  clear_clip();
}

void Canvas::set_clip(Rect clip) {
  clip_ = {std::max(clip.x0, 0), std::max(clip.y0, 0), std::min(clip.x1, width_), std::min(clip.y1, height_)};
}

Rgb Canvas::pixel(int x, int y) const {
  GF_CHECK(x >= 0 && x < width_ && y >= 0 && y < height_, "Canvas::pixel: (", x, ", ", y, ") is outside the ",
           width_, "x", height_, " canvas");
  return pixels_[index(x, y)];
}

void Canvas::blend(int x, int y, Rgb colour, float alpha) {
  if (x < clip_.x0 || x >= clip_.x1 || y < clip_.y0 || y >= clip_.y1) return;
  Rgb& p = pixels_[index(x, y)];
  if (alpha >= 1.0f) {
    p = colour;  // exactly, so opaque fills are exact colours
    return;
  }
  p = {p.r + (colour.r - p.r) * alpha, p.g + (colour.g - p.g) * alpha, p.b + (colour.b - p.b) * alpha};
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb colour) {
  for (int y = std::max(y0, clip_.y0); y < std::min(y1, clip_.y1); ++y)
    for (int x = std::max(x0, clip_.x0); x < std::min(x1, clip_.x1); ++x) blend(x, y, colour, 1.0f);
}

void Canvas::stroke(const std::vector<Point>& path, Rgb colour, double thickness) {
  if (path.empty()) return;
  const double radius = thickness / 2;
  // Coverage of every pixel, the largest over the segments, applied once at the end.
  std::vector<float> coverage(pixels_.size(), 0.0f);
  Rect touched{width_, height_, 0, 0};
  const std::size_t segments = std::max<std::size_t>(path.size() - 1, 1);
  for (std::size_t i = 0; i < segments; ++i) {
    const Point a = path[i], b = path[std::min(i + 1, path.size() - 1)];  // a == b for a lone point
    // Only pixels whose centre is within radius + 0.5 of the segment get ink.
    const Rect r = pixels_near(a, b, radius + 1.0, clip_);
    for (int y = r.y0; y < r.y1; ++y)
      for (int x = r.x0; x < r.x1; ++x) {
        const double d = distance_to_segment({x + 0.5, y + 0.5}, a, b);
        // A pixel whose centre is on the edge of the stroke is half covered.
        const auto c = static_cast<float>(std::clamp(radius + 0.5 - d, 0.0, 1.0));
        float& slot = coverage[index(x, y)];
        slot = std::max(slot, c);
      }
    if (r.x0 < r.x1 && r.y0 < r.y1)
      touched = {std::min(touched.x0, r.x0), std::min(touched.y0, r.y0), std::max(touched.x1, r.x1),
                 std::max(touched.y1, r.y1)};
  }
  for (int y = touched.y0; y < touched.y1; ++y)
    for (int x = touched.x0; x < touched.x1; ++x)
      if (const float c = coverage[index(x, y)]; c > 0) blend(x, y, colour, c);
}

Tensor Canvas::to_tensor() const {
  Tensor image = Tensor::empty({3, height_, width_});  // (3, H, W)
  float* planes = image.data<float>();
  const std::size_t plane = pixels_.size();
  for (std::size_t i = 0; i < plane; ++i) {
    planes[i] = pixels_[i].r;
    planes[plane + i] = pixels_[i].g;
    planes[2 * plane + i] = pixels_[i].b;
  }
  return image;
}

}  // namespace gf::io
