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
/// images * (row_end - row_begin) * out_w) contiguous, laid out as above for
/// output rows oh in [row_begin, row_end) of each image (a band of rows keeps
/// cols small for large images).
template <typename T>
void im2col(const T* x, std::int64_t images, std::int64_t channels, const Window2d& w, std::int64_t row_begin,
            std::int64_t row_end, T* cols);

/// The adjoint of im2col: adds every entry of cols (same layout) into x
/// (images, channels, in_h, in_w) at the pixel im2col read it from.
template <typename T>
void col2im(const T* cols, std::int64_t images, std::int64_t channels, const Window2d& w, std::int64_t row_begin,
            std::int64_t row_end, T* x);

}  // namespace gf::cpu
