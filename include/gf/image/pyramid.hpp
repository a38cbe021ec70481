#pragma once
// Gaussian and Laplacian pyramids (Burt & Adelson 1983) and the blends built on
// them, from tensor ops (differentiable, any device). Images (C, H, W) or
// batches (N, C, H, W); any H and W, odd ones included.
//
// reduce  (pyramid_down): blur with the 5-tap binomial kernel b = [1 4 6 4 1] / 16
//         along both axes (reflect border), keep every second pixel starting
//         at 0: (H, W) -> (ceil(H / 2), ceil(W / 2)).
// expand  (pyramid_up):   place the pixels at even positions of a zero grid of
//         the requested size, reflect the border, filter with 2 b along both
//         axes. Every output pixel then gets weights summing to exactly 1
//         (even rows: (1 + 6 + 1) / 8, odd rows: (4 + 4) / 8), so a constant
//         stays constant.
// Gaussian pyramid:  G_0 = x, G_{k+1} = reduce(G_k).
// Laplacian pyramid: L_k = G_k - expand(G_{k+1}, size of G_k) for k < n - 1,
//                    L_{n-1} = G_{n-1} (the coarse residual).
// collapse:          G_{n-1} = L_{n-1}, G_k = L_k + expand(G_{k+1}): the exact
//                    inverse, whatever expand is (rounding apart).
// Level 0 is the finest (full size); level n - 1 the coarsest.
//
//   auto lap = gf::image::laplacian_pyramid(photo, 5);
//   Tensor same = gf::image::collapse(lap);                    // == photo
//   Tensor fused = gf::image::fuse_with_content(stylised, photo, 5);
#include <cstdint>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::image {

/// reduce: (.., H, W) -> (.., ceil(H / 2), ceil(W / 2)); needs H, W >= 3.
Tensor pyramid_down(const Tensor& x);

/// expand to exactly (height, width), which must be 2 H - 1 or 2 H (and
/// likewise for W): the sizes whose reduce gives back (H, W).
Tensor pyramid_up(const Tensor& x, std::int64_t height, std::int64_t width);

/// The most levels an H x W image can have: each level but the coarsest is
/// reduced, and reduce needs both sides >= 3 (its reflect border is 2 pixels).
std::int64_t max_pyramid_levels(std::int64_t height, std::int64_t width);

/// G_0 .. G_{levels-1}; levels in [1, max_pyramid_levels] (else a gf::Error
/// that says the maximum).
std::vector<Tensor> gaussian_pyramid(const Tensor& x, std::int64_t levels);

/// L_0 .. L_{levels-2} (band-pass details) and L_{levels-1} (the coarse residual).
std::vector<Tensor> laplacian_pyramid(const Tensor& x, std::int64_t levels);

/// Rebuilds the image from a Laplacian pyramid: collapse(laplacian_pyramid(x, n)) == x.
Tensor collapse(const std::vector<Tensor>& pyramid);

/// alpha a + (1 - alpha) b, for alpha in [0, 1].
Tensor weighted_blend(const Tensor& a, const Tensor& b, double alpha);

/// Burt & Adelson's multiresolution spline: with M_k the Gaussian pyramid of the
/// mask and La, Lb the Laplacian pyramids,
///   out = collapse(M_k La_k + (1 - M_k) Lb_k),  k = 0 .. levels - 1,
/// so the seam between a (mask 1) and b (mask 0) is blended over a width that
/// grows with the scale: no visible seam, no ghosting of fine detail.
/// mask: (H, W), (1, H, W) or (C, H, W), or for batches (N, 1 or C, H, W),
/// values in [0, 1], broadcast over the channels. An all-ones mask returns a,
/// an all-zeros mask returns b (up to rounding).
Tensor pyramid_blend(const Tensor& a, const Tensor& b, const Tensor& mask, std::int64_t levels);

/// Detail-preserving fusion for the stylise programs: the stylised image's
/// colours and coarse structure with the content's fine detail. With Ls, Lc the
/// Laplacian pyramids (`levels` levels) and M the Gaussian pyramid of `mask`
/// (where the style shows; undefined = everywhere), level k of the output is
///   k <  content_detail_levels:  Lc_k                        (content's finest bands)
///   k >= content_detail_levels:  M_k Ls_k + (1 - M_k) Lc_k    (stylised, inside the mask)
/// and the output is the collapse. content_detail_levels = 0 is pyramid_blend
/// (stylised, content, mask); levels = 1 and no mask returns the stylised image.
/// A mask scaled by alpha in [0, 1] mixes in alpha of the style at the coarse levels.
/// The stylised and content images must have the same shape (resize first).
Tensor fuse_with_content(const Tensor& stylised, const Tensor& content, std::int64_t levels,
                         const Tensor& mask = Tensor(), std::int64_t content_detail_levels = 1);

/// What the stylise programs' --fuse option does with a result and its photo
/// (same shape, (3, H, W) or (N, 3, H, W)):
///   "pyramid"   fuse_with_content(stylised, content, levels), with `levels`
///               capped at what the size allows, clamped to [0, 1];
///   "weighted"  weighted_blend(stylised, content, alpha);
///   "none"      the stylised image unchanged.
/// Any other mode throws naming it.
Tensor fuse_by_mode(const Tensor& stylised, const Tensor& content, const std::string& mode, std::int64_t levels,
                    double alpha);

}  // namespace gf::image
