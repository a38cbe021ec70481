#pragma once
// im2col / col2im: the data movement that turns a convolution into a GEMM.
//
// im2col copies, for every output position, the input values under the
// (strided, dilated, padded) kernel window into one column of a matrix:
//
//   cols[(c, i, j), (b, oh, ow)] = x[b, c, oh*stride_h - pad_h + i*dilation_h,
//                                        ow*stride_w - pad_w + j*dilation_w]   (0 in the padding)
//
// so conv2d's output for a group is weight (C_out, C_in*kH*kW) @ cols. col2im is
// its adjoint: it sends every column entry back to the input pixel it came
// from, summing where windows overlap, which is what the input gradient needs.
#include <cstdint>

namespace gf::cpu {

/// The sliding window of a 2-D convolution over one image plane.
struct Window2d {
  std::int64_t in_h, in_w;    // input plane
  std::int64_t out_h, out_w;  // output plane: one window position per pixel
  std::int64_t k_h, k_w;
  std::int64_t stride_h, stride_w;
  std::int64_t pad_h, pad_w;
  std::int64_t dilation_h, dilation_w;
};

/// x (images, channels, in_h, in_w) contiguous -> cols (channels * k_h * k_w,
/// images * out_h * out_w) contiguous, laid out as above.
template <typename T>
void im2col(const T* x, std::int64_t images, std::int64_t channels, const Window2d& w, T* cols);

/// The adjoint of im2col: x (images, channels, in_h, in_w) = the sum, over
/// all entries of cols, of each entry placed at the pixel im2col read it from.
/// Overwrites x.
template <typename T>
void col2im(const T* cols, std::int64_t images, std::int64_t channels, const Window2d& w, T* x);

}  // namespace gf::cpu
