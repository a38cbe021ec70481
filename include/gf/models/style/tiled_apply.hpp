#pragma once
// Applying an image-to-image network to an image too large for one pass.
//
// A convolutional network's activations grow with the image: the style
// network holds ~100 floats per pixel at its widest layers, so a 6000 x 4000
// photo would need gigabytes. tiled_apply cuts the image into overlapping
// tiles, runs the network on each, and blends the results with a smooth
// weight window, so memory depends on the tile size only.
//
// Why blend: the network sees a tile's edge as an image edge (and pads it by
// reflection), so the outputs of two neighbouring tiles disagree slightly near
// their cut. Each tile's output is therefore weighted by a raised-cosine
// ramp across the overlap with each neighbour,
//
//   w(t) = 1/2 - 1/2 cos(pi (t + 1/2) / overlap),   t = 0 .. overlap-1 from the tile's edge,
//
// and the neighbour's ramp over the same pixels is 1 - w(t): the weights sum
// to one, each tile hands over to the next smoothly, and a tile's least
// trustworthy pixels (its outermost ones) get weights near zero. Sides on
// the image border get no ramp. The output is sum(w * tile_out) / sum(w).
//
// A network whose receptive field is shorter than half the overlap then gives
// exactly its one-pass output everywhere. One with global statistics
// (instance norm, as in the style network) normalises each tile by its own
// statistics; the blend hides the cuts, and large tiles keep the tone close
// to the one-pass result.
#include <cstdint>
#include <functional>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::models {

struct TileOptions {
  std::int64_t tile = 512;    // tile side in pixels (tiles at the border may be smaller only if the image is)
  std::int64_t overlap = 64;  // at least this many pixels shared by neighbouring tiles; < tile
};

/// fn maps an image (N, C, h, w) to (N, C_out, h, w) for any tile size it is given.
using ImageFn = std::function<Tensor(const Tensor&)>;
/// Called after each tile with (tiles done, tiles in all), e.g. for a progress bar.
using TileProgress = std::function<void(std::int64_t, std::int64_t)>;

/// The start offsets of tiles of length `tile` covering [0, length) with
/// neighbours overlapping by at least `overlap`, spread evenly (first at 0,
/// last ending at `length`). One tile, at 0, when length <= tile.
std::vector<std::int64_t> tile_starts(std::int64_t length, std::int64_t tile, std::int64_t overlap);

/// fn applied to image (N, C, H, W) by overlapping tiles, blended as above ->
/// (N, C_out, H, W). Runs without recording gradients.
Tensor tiled_apply(const ImageFn& fn, const Tensor& image, const TileOptions& options,
                   const TileProgress& progress = {});

}  // namespace gf::models
