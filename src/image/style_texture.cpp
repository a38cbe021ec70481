// The style's detail quilted into the smooth regions of a result (the
// formulas and the choice of pieces are in gf/image/style_texture.hpp).
#include "gf/image/style_texture.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "gf/core/error.hpp"
#include "gf/core/factory.hpp"
#include "gf/core/parallel.hpp"
#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/ops/elementwise.hpp"
#include "image/layout.hpp"

namespace gf::image {
namespace {

constexpr std::int64_t kBlocks = 4;           // a piece is described by kBlocks x kBlocks block means
constexpr std::int64_t kCandidateStride = 2;  // candidates' corners lie on even coordinates
constexpr std::int64_t kSmallestPatch = 8;
constexpr std::int64_t kRankedPerKept = 8;    // candidates ranked by colour per one kept (some are left out)
constexpr std::size_t kDescriptor = 3 * kBlocks * kBlocks;

// (3, H, W) planes as plain floats, row-major, channel after channel.
struct Picture {
  std::int64_t h = 0, w = 0;
  std::vector<float> v;
  float at(std::int64_t c, std::int64_t y, std::int64_t x) const {
    return v[static_cast<std::size_t>((c * h + y) * w + x)];
  }
};

Picture picture_of(const Tensor& t) {  // (C, H, W) float32 contiguous on the CPU
  return {t.size(-2), t.size(-1), t.contiguous().to_vector<float>()};
}

// `sigma`, or the widest blur an h x w picture takes when that is narrower.
double fitted(double sigma, std::int64_t h, std::int64_t w) { return std::min(sigma, widest_gaussian_sigma(h, w)); }

// Sums over rectangles in O(1): S[c][y][x] = sum of the picture's channel c above and left of (y, x).
class BoxSums {
 public:
  explicit BoxSums(const Picture& p) : h_(p.h), w_(p.w), s_(static_cast<std::size_t>(3 * (p.h + 1) * (p.w + 1)), 0.0) {
    for (std::int64_t c = 0; c < 3; ++c)
      for (std::int64_t y = 0; y < h_; ++y)
        for (std::int64_t x = 0; x < w_; ++x)
          at(c, y + 1, x + 1) = p.at(c, y, x) + at(c, y, x + 1) + at(c, y + 1, x) - at(c, y, x);
  }
  // The mean of channel c over rows y .. y + n - 1, columns x .. x + n - 1.
  float mean(std::int64_t c, std::int64_t y, std::int64_t x, std::int64_t n) const {
    const double sum = get(c, y + n, x + n) - get(c, y, x + n) - get(c, y + n, x) + get(c, y, x);
    return static_cast<float>(sum / static_cast<double>(n * n));
  }

 private:
  double& at(std::int64_t c, std::int64_t y, std::int64_t x) {
    return s_[static_cast<std::size_t>((c * (h_ + 1) + y) * (w_ + 1) + x)];
  }
  double get(std::int64_t c, std::int64_t y, std::int64_t x) const {
    return s_[static_cast<std::size_t>((c * (h_ + 1) + y) * (w_ + 1) + x)];
  }
  std::int64_t h_, w_;
  std::vector<double> s_;
};

// The colour description of the patch x patch window at (y, x): kBlocks x kBlocks block means per channel,
// number i written to out[i * stride].
void describe(const BoxSums& colour, std::int64_t y, std::int64_t x, std::int64_t patch, float* out,
              std::size_t stride = 1) {
  const std::int64_t block = patch / kBlocks;
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t by = 0; by < kBlocks; ++by)
      for (std::int64_t bx = 0; bx < kBlocks; ++bx, out += stride)
        *out = colour.mean(c, y + by * block, x + bx * block, block);
}

// A piece of the style: its top-left corner.
struct Piece {
  std::int64_t y = -1, x = -1;
};

// A piece that may fill a cell, and its colour cost there.
struct Choice {
  Piece piece;
  float colour = 0.0F;
};

// The colour costs for a cell described by `target` of descriptions stored number by number (number i of
// description k at d[i * stride + k]), k in [begin, end): the squared distance of the descriptions, per block.
// The loop runs along k, where it vectorises.
void colour_costs(const float* d, std::size_t stride, const float* target, std::int64_t begin, std::int64_t end,
                  float* cost) {
  std::fill(cost + begin, cost + end, 0.0F);
  for (std::size_t i = 0; i < kDescriptor; ++i) {
    const float* column = d + i * stride;
    for (std::int64_t k = begin; k < end; ++k) cost[k] += (column[k] - target[i]) * (column[k] - target[i]);
  }
  for (std::int64_t k = begin; k < end; ++k) cost[k] /= static_cast<float>(kBlocks * kBlocks);
}

// How much of a piece's detail a cell takes, from how well its colour matches: 1 up to an RMS difference per
// channel and block of o.close_match, falling linearly to 0 at o.far_match (a style with no part of the cell's
// colour lends no shapes rather than the edges of its parts of other colours).
double match(float colour_cost, const StyleTextureOptions& o) {
  const double rms = std::sqrt(static_cast<double>(colour_cost) / 3.0);
  return std::clamp((o.far_match - rms) / (o.far_match - o.close_match), 0.0, 1.0);
}

// The detail D being assembled over the result, and which pixels pieces have reached.
class Canvas {
 public:
  Canvas(std::int64_t H, std::int64_t W, std::int64_t patch, std::int64_t overlap)
      : W_(W), plane_(static_cast<std::size_t>(H * W)), patch_(patch), overlap_(overlap),
        detail_(3 * plane_, 0.0F), filled_(plane_, 0) {
    for (std::int64_t i = 0; i < overlap; ++i) ramp_.push_back(static_cast<float>(i + 1) / static_cast<float>(overlap + 1));
  }

  // Mean over the cell's filled pixels of ||scale piece - D||^2 (0 where none is filled): how badly the piece
  // at `piece` of `style_detail` would meet the pieces already placed.
  double disagreement(const Picture& style_detail, Piece piece, double scale, std::int64_t y0, std::int64_t x0) const {
    double sum = 0.0;
    std::int64_t shared = 0;
    for (std::int64_t y = 0; y < patch_; ++y)
      for (std::int64_t x = 0; x < patch_; ++x) {
        if (!filled_[pixel(y0 + y, x0 + x)]) continue;
        ++shared;
        for (std::int64_t c = 0; c < 3; ++c) {
          const double diff =
              scale * style_detail.at(c, piece.y + y, piece.x + x) - detail_[c * plane_ + pixel(y0 + y, x0 + x)];
          sum += diff * diff;
        }
      }
    return shared > 0 ? sum / static_cast<double>(shared) : 0.0;
  }

  // The piece times `scale` cross-faded in over the overlap with pieces already placed (linear ramps from the
  // cell's top and left edges), copied as it is elsewhere.
  void place(const Picture& style_detail, Piece piece, float scale, std::int64_t y0, std::int64_t x0) {
    for (std::int64_t y = 0; y < patch_; ++y)
      for (std::int64_t x = 0; x < patch_; ++x) {
        const std::size_t at = pixel(y0 + y, x0 + x);
        float a = 1.0F;
        if (filled_[at]) {
          if (y0 > 0 && y < overlap_) a *= ramp_[static_cast<std::size_t>(y)];
          if (x0 > 0 && x < overlap_) a *= ramp_[static_cast<std::size_t>(x)];
        }
        for (std::int64_t c = 0; c < 3; ++c) {
          float& d = detail_[c * plane_ + at];
          d = a * scale * style_detail.at(c, piece.y + y, piece.x + x) + (1.0F - a) * d;
        }
        filled_[at] = 1;
      }
  }

  // D, (3, H, W) row-major: the caller turns it into the output.
  std::vector<float>& detail() { return detail_; }

 private:
  std::size_t pixel(std::int64_t y, std::int64_t x) const { return static_cast<std::size_t>(y * W_ + x); }

  std::int64_t W_;
  std::size_t plane_;
  std::int64_t patch_, overlap_;
  std::vector<float> ramp_;    // cross-fade weights of the new piece across the overlap
  std::vector<float> detail_;  // D
  std::vector<char> filled_;   // pixels some piece has reached
};

// Where the grid's cells start along a side: every step, the last one moved to end on the border.
std::vector<std::int64_t> cell_starts(std::int64_t side, std::int64_t patch, std::int64_t step) {
  std::vector<std::int64_t> starts;
  for (std::int64_t s = 0; s + patch < side; s += step) starts.push_back(s);
  starts.push_back(side - patch);
  return starts;
}

// M: the strength of the fill at every pixel, from the result's own detail amplitude.
std::vector<float> fill_weight(const Tensor& result, double sigma, const StyleTextureOptions& o) {
  const std::int64_t H = result.size(1), W = result.size(2);
  const Tensor luma = rgb_to_luminance(result).unsqueeze(0);  // (1, 1, H, W)
  const Tensor detail = sub(luma, gaussian_blur(luma, sigma));
  const std::vector<float> power =
      gaussian_blur(mul(detail, detail), fitted(2.0 * sigma, H, W)).contiguous().to_vector<float>();
  std::vector<float> m(power.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    const double amplitude = std::sqrt(std::max(static_cast<double>(power[i]), 0.0));
    m[i] = static_cast<float>(o.strength * std::clamp(1.0 - amplitude / o.smooth_below, 0.0, 1.0));
  }
  return m;
}

}  // namespace

Tensor transfer_style_texture(const Tensor& stylised, const Tensor& style, const StyleTextureOptions& options) {
  const char* op = "transfer_style_texture";
  const Tensor result = detail::cpu_rgb_picture(op, stylised, "result");
  const Tensor source = detail::cpu_rgb_picture(op, style, "style picture");
  const StyleTextureOptions& o = options;
  GF_CHECK(o.patch >= kSmallestPatch && o.patch % kBlocks == 0, op, ": patch must be a multiple of 4, at least ",
           kSmallestPatch, ", got ", o.patch);
  GF_CHECK(o.overlap >= 0 && 2 * o.overlap < o.patch, op, ": overlap must be in [0, patch / 2), got ", o.overlap,
           " with patch ", o.patch);
  GF_CHECK(o.sigma > 0 && o.smooth_below > 0 && o.candidates >= 1 && o.strength >= 0, op,
           ": sigma and smooth_below must be > 0, candidates >= 1, strength >= 0, got sigma ", o.sigma,
           ", smooth_below ", o.smooth_below, ", candidates ", o.candidates, ", strength ", o.strength);
  GF_CHECK(0 <= o.close_match && o.close_match < o.far_match, op,
           ": need 0 <= close_match < far_match, got close_match ", o.close_match, ", far_match ", o.far_match);
  const std::int64_t H = result.size(1), W = result.size(2), h = source.size(1), w = source.size(2);

  // A result or a style smaller than a patch: pieces of the largest size both hold.
  const std::int64_t patch = std::min(o.patch, std::min({H, W, h, w}) / kBlocks * kBlocks);
  if (o.strength == 0 || patch < kSmallestPatch) return stylised;
  const std::int64_t overlap = o.overlap * patch / o.patch;

  const double sigma_result = fitted(o.sigma, H, W), sigma_style = fitted(o.sigma, h, w);
  const Picture colour = picture_of(gaussian_blur(result, sigma_result));  // L_r
  const Tensor style_colour = gaussian_blur(source, sigma_style);          // L_s
  const Picture style_detail = picture_of(sub(source, style_colour));     // D_s
  const std::vector<float> weight = fill_weight(result, sigma_result, o);  // M

  // Every candidate's corner and colour description.
  const BoxSums style_sums(picture_of(style_colour)), result_sums(colour);
  std::vector<std::int64_t> corner_y, corner_x;
  for (std::int64_t y = 0; y + patch <= h; y += kCandidateStride)
    for (std::int64_t x = 0; x + patch <= w; x += kCandidateStride) corner_y.push_back(y), corner_x.push_back(x);
  const auto count = static_cast<std::int64_t>(corner_y.size());
  // Number i of candidate k's description at descriptors[i * count + k], as colour_costs reads them.
  std::vector<float> descriptors(static_cast<std::size_t>(count) * kDescriptor);
  parallel_for(0, count, 64, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t k = begin; k < end; ++k)
      describe(style_sums, corner_y[static_cast<std::size_t>(k)], corner_x[static_cast<std::size_t>(k)], patch,
               descriptors.data() + k, static_cast<std::size_t>(count));
  });
  const std::int64_t keep = std::min(o.candidates, count);
  const std::int64_t ranked = std::min(kRankedPerKept * keep, count);

  Canvas canvas(H, W, patch, overlap);
  std::vector<float> colour_cost(static_cast<std::size_t>(count));
  std::vector<std::int64_t> order(static_cast<std::size_t>(count));
  const std::vector<std::int64_t> rows = cell_starts(H, patch, patch - overlap), cols = cell_starts(W, patch, patch - overlap);
  std::vector<Piece> placed(rows.size() * cols.size());  // the piece each cell took, {-1, -1} where none
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const std::int64_t y0 = rows[i], x0 = cols[j];
      bool wanted = false;
      for (std::int64_t y = y0; y < y0 + patch && !wanted; ++y)
        for (std::int64_t x = x0; x < x0 + patch && !wanted; ++x) wanted = weight[static_cast<std::size_t>(y * W + x)] > 0.0F;
      if (!wanted) continue;

      // The choices: the candidates nearest in colour, in order, leaving out those within half a piece of a
      // piece a neighbour took (one good match repeated cell after cell draws a lattice), then the pieces that
      // carry on where the left and the upper neighbour's pieces end in the style (Ashikhmin 2001's
      // coherence), which keeps the style's shapes larger than a piece whole.
      float target[kDescriptor];
      describe(result_sums, y0, x0, patch, target);
      parallel_for(0, count, 1024, [&](std::int64_t begin, std::int64_t end) {
        colour_costs(descriptors.data(), static_cast<std::size_t>(count), target, begin, end, colour_cost.data());
      });
      std::iota(order.begin(), order.end(), 0);
      const auto cheaper = [&](std::int64_t a, std::int64_t b) {
        const float ca = colour_cost[static_cast<std::size_t>(a)], cb = colour_cost[static_cast<std::size_t>(b)];
        return ca < cb || (ca == cb && a < b);
      };
      std::nth_element(order.begin(), order.begin() + (ranked - 1), order.end(), cheaper);
      std::sort(order.begin(), order.begin() + ranked, cheaper);
      // Pieces the neighbours above and to the left took, which a cell may only carry on from, not take again.
      std::vector<Piece> around;
      if (j > 0) around.push_back(placed[i * cols.size() + j - 1]);
      if (i > 0)
        for (std::size_t jj = j > 0 ? j - 1 : 0; jj <= std::min(j + 1, cols.size() - 1); ++jj)
          around.push_back(placed[(i - 1) * cols.size() + jj]);
      const auto taken_nearby = [&](Piece p) {
        return std::any_of(around.begin(), around.end(), [&](const Piece& n) {
          return n.y >= 0 && 2 * std::abs(p.y - n.y) < patch && 2 * std::abs(p.x - n.x) < patch;
        });
      };
      const auto candidate = [&](std::int64_t r) {
        const auto k = static_cast<std::size_t>(order[static_cast<std::size_t>(r)]);
        return Choice{{corner_y[k], corner_x[k]}, colour_cost[k]};
      };
      std::vector<Choice> choices;
      for (std::int64_t r = 0; r < ranked && static_cast<std::int64_t>(choices.size()) < keep; ++r)
        if (const Choice c = candidate(r); !taken_nearby(c.piece)) choices.push_back(c);
      if (choices.empty()) choices.push_back(candidate(0));  // every good match lies by a neighbour's piece
      const auto carry_on = [&](const Piece& neighbour, std::int64_t dy, std::int64_t dx) {
        const Piece next{neighbour.y + dy, neighbour.x + dx};
        if (neighbour.y < 0 || next.y + patch > h || next.x + patch > w) return;
        float description[kDescriptor];
        describe(style_sums, next.y, next.x, patch, description);
        Choice c{next};
        colour_costs(description, 1, target, 0, 1, &c.colour);
        choices.push_back(c);
      };
      if (j > 0) carry_on(placed[i * cols.size() + j - 1], 0, x0 - cols[j - 1]);
      if (i > 0) carry_on(placed[(i - 1) * cols.size() + j], y0 - rows[i - 1], 0);

      // The winner: the smallest colour cost plus disagreement with the pieces already placed.
      std::size_t best = 0;
      double best_cost = std::numeric_limits<double>::infinity();
      for (std::size_t n = 0; n < choices.size(); ++n) {
        const double cost = choices[n].colour + canvas.disagreement(style_detail, choices[n].piece,
                                                                    match(choices[n].colour, o), y0, x0);
        if (cost < best_cost) best_cost = cost, best = n;
      }
      placed[i * cols.size() + j] = choices[best].piece;
      canvas.place(style_detail, choices[best].piece, static_cast<float>(match(choices[best].colour, o)), y0, x0);
    }

  // out = clamp(result + M D), written over D.
  std::vector<float>& out = canvas.detail();
  const float* r = result.data<float>();
  const std::size_t plane = weight.size();
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < plane; ++i) {
      float& d = out[c * plane + i];
      d = std::clamp(r[c * plane + i] + weight[i] * d, 0.0F, 1.0F);
    }
  return detail::like_input(from_vector<float>(out, {1, 3, H, W}).to(stylised.dtype()).to(stylised.device()),
                            stylised);
}

}  // namespace gf::image
