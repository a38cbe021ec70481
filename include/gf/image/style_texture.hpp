#pragma once
// The style's own texture copied into the smooth regions of a stylised result.
//
// A feed-forward style network or an AdaIN decoder turns a photo's edges and
// textures into the style's, but where the photo is smooth (a blurred
// background, a clear sky, water) a convolutional network has nothing to
// work from and paints flat colour in the style's palette: the result reads
// as a recoloured photo there, with none of the style's local shapes (the
// per-image optimisation, which pushes Gram statistics over every pixel,
// does fill them). This fills them with the style picture's own detail,
// chosen patch by patch so that each piece comes from a part of the style of
// the colour the result already has there. It is texture transfer by image
// quilting (Efros & Freeman 2001), reduced to what a finishing step needs:
//
//   G         a Gaussian blur of width sigma
//   L_s, D_s  = G(style), style - G(style)       the style's colour and detail
//   L_r       = G(result)                         the result's colour
//   a         = sqrt(G_2sigma(d^2)), d = Y - G(Y) the result's own detail amplitude
//               (Y: the result's Rec. 601 luminance)
//   M         = strength clamp(1 - a / smooth_below, 0, 1)
//               the fill weight: full where the result is smooth, none where
//               it has texture of amplitude smooth_below or more already
//   D         detail assembled from patch x patch pieces of D_s on a grid of
//             step patch - overlap (the last row and column shifted to end on
//             the border); grid cells where M is 0 throughout are skipped
//   out       = clamp(result + M D, 0, 1)
//
// Choosing a piece for a grid cell, in raster order: the cell and every
// candidate (the style's patch x patch windows whose corner lies on even
// coordinates) are described by the mean of L over each of a 4 x 4 grid of
// blocks (48 numbers); the colour cost of a piece is the squared distance of
// the two descriptions, per block. The choices are the `candidates` pieces of
// lowest colour cost, leaving out those within half a piece of the pieces of
// the cells to the left, upper left, above and upper right (one good match
// repeated cell after cell draws a lattice; they are sought among the
// 8 x candidates cheapest, and the cheapest is kept when all of those are
// left out), then the pieces that carry on where the left and the upper
// neighbour's pieces end in the style (Ashikhmin 2001's coherence: the
// style's larger shapes stay whole). Each
// lends its detail weighted by how well its colour matches,
//
//   w = clamp((far_match - r) / (far_match - close_match), 0, 1),
//   r = sqrt(colour cost / 3), the RMS colour difference per channel and block
//
// (a style with no part of the cell's colour lends nothing, rather than the
// edges between its parts of other colours), and the winner has the smallest
//
//   colour cost + mean over the already-filled pixels of the cell of ||w D_s piece - D||^2.
//
// w times the winner is cross-faded into D over the overlap with pieces
// already placed (linear ramps) and copied as it is elsewhere. Detail is
// added, not pasted: the result keeps its colour, the style lends the shapes
// at the contrast they have in parts of its own of that colour (a flat part
// of the style, such as a black border, lends nothing).
//
// The result and the style are (3, H, W) or (1, 3, H, W) of any sizes. When
// either is smaller than a patch, the pieces are of the largest size both
// hold (a multiple of 4, the overlap scaled alike); below 8 pixels the result
// comes back as it is. Everything runs on the CPU; the result comes back on the result's
// device and dtype. Cost on two cores with a 256 x 256 style: 0.11-0.18 s at
// 512 x 320, 1.0-1.8 s at 1920 x 1200 (mostly the colour search), 96 bytes
// per pixel; less where the result has texture of its own.
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::image {

struct StyleTextureOptions {
  std::int64_t patch = 24;      // side of the pieces of the style, a multiple of 4
  std::int64_t overlap = 6;     // pixels neighbouring pieces share, < patch / 2
  double sigma = 3.0;           // pixels: the blur that splits colour from detail
  double smooth_below = 0.03;   // the result's detail amplitude from which nothing is added
  std::int64_t candidates = 32; // best colour matches compared on the overlap
  double close_match = 0.06;    // RMS colour difference up to which a piece lends all its detail
  double far_match = 0.12;      // ... and from which it lends none
  double strength = 1.0;        // scales M: 0 gives the result back, 1 the style's full contrast
};

Tensor transfer_style_texture(const Tensor& stylised, const Tensor& style, const StyleTextureOptions& options = {});

}  // namespace gf::image
