#pragma once
// A built-in 5x7 bitmap font (printable ASCII) for chart text, scaled by whole
// pixels. Each glyph sits in a cell 6 pixels wide (one blank column between
// letters) and 9 tall: 7 rows down to the baseline plus 2 for descenders.
#include <string_view>

#include "gf/io/plot.hpp"
#include "io/canvas.hpp"

namespace gf::io {

constexpr int kGlyphRows = 9;    // 7 above the baseline + 2 descender rows
constexpr int kGlyphAdvance = 6;  // 5 columns of glyph + 1 of spacing

/// Pixel size of `text` at `scale`, read left to right (no trailing gap).
inline int text_width(std::string_view text, int scale) {
  return text.empty() ? 0 : (static_cast<int>(text.size()) * kGlyphAdvance - 1) * scale;
}
inline int text_height(int scale) { return kGlyphRows * scale; }

enum class TextDirection {
  kRight,  // ordinary text
  kUp,     // turned 90 degrees anticlockwise, read bottom to top (a y-axis label)
};

/// Draws `text` with the top-left corner of its box at (x, y); the box is
/// text_width x text_height (kRight) or text_height x text_width (kUp).
/// Characters outside printable ASCII are drawn as '?'.
void draw_text(Canvas& canvas, int x, int y, std::string_view text, int scale, Rgb colour,
               TextDirection direction = TextDirection::kRight);

}  // namespace gf::io
