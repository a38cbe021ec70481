// Convolution as GEMM. Think of the full im2col matrix cols (C_in kH kW, N L):
// one row per (input channel, kernel tap), one column per output pixel of
// every image. Then, for each group g,
//
//   forward          y_g (O, N L)    = w_g (O, R) @ cols_g (R, N L)
//   backward input   cols_g (R, N L) = w_g^T (R, O) @ gy_g (O, N L),   then gx = col2im(cols)
//   backward weight  gw_g (O, R)     = gy_g (O, N L) @ cols_g^T (N L, R)
//
// with O = C_out / groups output channels, R = C_in / groups * kH * kW rows
// per group and L = H_out * W_out pixels per image. cols is never built whole:
// it is produced block of columns by block of columns, each block small enough
// to stay in cache while the GEMM reads it. Small feature maps (the 1x1 to
// 14x14 maps of a DCGAN) give blocks of several whole images, so the products
// stay wide; large maps (style-transfer images) give bands of output rows of
// one image. The GEMM, im2col and col2im each spread their work over the cores.
//
// One shape skips im2col: when a single window covers the whole unpadded input
// (a 1x1 output, as in the first generator layer and the last discriminator
// layer of a DCGAN), cols would just be x transposed, and the convolution is a
// fully connected layer, y (N, O) = x (N, R) @ w^T per group, run on x in place.
// And the forward pass of a convolution with few input or output channels and
// a wide output (the 9x9 ends of a style network) runs as a direct
// convolution (cpu/conv_direct.hpp), which needs no cols at all.
#include "kernels/kernels.hpp"

#include <algorithm>
#include <vector>

#include "cpu/conv_direct.hpp"
#include "cpu/gemm.hpp"
#include "cpu/im2col.hpp"
#include "cpu/workspace.hpp"
#include "gf/core/factory.hpp"
#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

// Elements of cols per block: 4 MiB of float32, a few times L2 and far below L3.
constexpr std::int64_t kColsBudget = std::int64_t{1} << 20;

struct ConvGeometry {
  std::int64_t batch, c_in, c_out, groups;
  Window2d window;

  std::int64_t plane_in() const { return window.in_h * window.in_w; }
  std::int64_t plane_out() const { return window.out_h * window.out_w; }                      // L
  std::int64_t rows_per_group() const { return c_in / groups * window.k_h * window.k_w; }    // R
  std::int64_t out_per_group() const { return c_out / groups; }                              // O
  bool fully_connected() const {
    const Window2d& w = window;
    return w.out_h == 1 && w.out_w == 1 && w.pad_h == 0 && w.pad_w == 0 && w.dilation_h == 1 &&
           w.dilation_w == 1 && w.k_h == w.in_h && w.k_w == w.in_w;
  }
};

/// From x (N, C_in, H, W), w (C_out, C_in / groups, kH, kW), y (N, C_out, H_out, W_out).
ConvGeometry geometry(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p) {
  GF_CHECK(x.is_contiguous() && w.is_contiguous() && y.is_contiguous(), "conv2d kernels: tensors must be contiguous");
  return {x.size(0), x.size(1), y.size(1), p.groups,
          Window2d{x.size(2), x.size(3), y.size(2), y.size(3), w.size(2), w.size(3), p.stride_h, p.stride_w,
                   p.pad_h, p.pad_w, p.dilation_h, p.dilation_w}};
}

/// A block of columns of cols: output rows [row_begin, row_end) of images
/// [n0, n0 + images). Either one image or whole images.
struct ColumnBlock {
  std::int64_t n0, images, row_begin, row_end;
  std::int64_t width(const Window2d& w) const { return images * (row_end - row_begin) * w.out_w; }
};

/// Consecutive blocks covering all of cols, each at most `budget` elements of cols.
std::vector<ColumnBlock> column_blocks(const ConvGeometry& g, std::int64_t budget) {
  const Window2d& w = g.window;
  const std::int64_t rows = g.groups * g.rows_per_group();
  const std::int64_t per_image = std::max<std::int64_t>(1, rows * g.plane_out());
  std::vector<ColumnBlock> blocks;
  if (per_image <= budget) {
    const std::int64_t step = budget / per_image;
    for (std::int64_t n0 = 0; n0 < g.batch; n0 += step) blocks.push_back({n0, std::min(step, g.batch - n0), 0, w.out_h});
    return blocks;
  }
  const std::int64_t band = std::max<std::int64_t>(1, budget / (rows * w.out_w));
  for (std::int64_t n = 0; n < g.batch; ++n)
    for (std::int64_t r = 0; r < w.out_h; r += band) blocks.push_back({n, 1, r, std::min(w.out_h, r + band)});
  return blocks;
}

/// Calls fn(block) for consecutive blocks covering all of cols.
template <typename Fn>
void for_each_block(const ConvGeometry& g, Fn fn) {
  for (const ColumnBlock& b : column_blocks(g, kColsBudget)) fn(b);
}

/// A contiguous tensor in this thread's `purpose` workspace (reused memory,
/// valid until the next request for the same purpose).
Tensor scratch(Workspace purpose, const Shape& shape, DType dtype) {
  return from_blob(workspace(purpose, static_cast<std::size_t>(shape.numel()) * dtype_size(dtype)), shape, dtype);
}

/// Images [n0, n0 + nb) of t (N, C, H, W) as a (C, nb, H W) view: the order
/// of a GEMM result with one row per channel.
Tensor channel_major(const Tensor& t, std::int64_t n0, std::int64_t nb) {
  const std::int64_t c = t.size(1), l = t.size(2) * t.size(3);
  return make_view(t, {c, nb, l}, {l, c * l, 1}, t.offset() + n0 * c * l);
}

/// Block `b` of t (N, C, H_out, W_out) as the (C, width) matrix a GEMM reads
/// or writes, with leading dimension stride(0). One image: a view of t itself,
/// its channels H_out W_out apart. Several images: a buffer holding them side
/// by side, filled from t when `gather` is set (scatter_block writes it back).
Tensor block_matrix(const Tensor& t, const ColumnBlock& b, bool gather) {
  const std::int64_t c = t.size(1), l = t.size(2) * t.size(3);
  if (b.images == 1)
    return make_view(t, {c, (b.row_end - b.row_begin) * t.size(3)}, {l, 1},
                     t.offset() + b.n0 * c * l + b.row_begin * t.size(3));
  Tensor m = scratch(Workspace::kConvOutput, {c, b.images * l}, t.dtype());
  if (gather) copy(m.view({c, b.images, l}), channel_major(t, b.n0, b.images));
  return m;
}

void scatter_block(const Tensor& t, const ColumnBlock& b, const Tensor& m) {
  if (b.images > 1) copy(channel_major(t, b.n0, b.images), m.view({t.size(1), b.images, t.size(2) * t.size(3)}));
}

}  // namespace

void conv2d_forward(const Tensor& y, const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  if (use_direct_conv2d(x, w, y, p)) return conv2d_direct_forward(y, x, w);
  const ConvGeometry g = geometry(x, w, y, p);
  const std::int64_t R = g.rows_per_group(), O = g.out_per_group();
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "conv2d_forward", [&] {
    using T = scalar_t;
    if (g.fully_connected()) {  // y (N, C_out) = x (N, C_in * kH * kW) @ w^T, group by group
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(false, true, g.batch, O, R, T(1), x.data<T>() + k * R, g.groups * R, w.data<T>() + k * O * R, R,
                T(0), y.data<T>() + k * O, g.c_out);
      return;
    }
    const auto run_block = [&](const ColumnBlock& b) {
      const std::int64_t width = b.width(g.window);
      const Tensor cols = scratch(Workspace::kConvColumns, {g.groups * R, width}, x.dtype());
      im2col(x.data<T>() + b.n0 * g.c_in * g.plane_in(), b.images, g.c_in, g.window, b.row_begin, b.row_end,
             cols.data<T>());
      const Tensor out = block_matrix(y, b, /*gather=*/false);
      const std::int64_t ld = out.stride(0);
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(false, false, O, width, R, T(1), w.data<T>() + k * O * R, R, cols.data<T>() + k * R * width, width,
                T(0), out.data<T>() + k * O * ld, ld);
      scatter_block(y, b, out);
    };
    // Large images (bands of rows of one image, say a style network's 128x128
    // or 512x512 maps): each core takes whole bands, im2col and GEMM on its
    // own (nested calls run inline), one parallel region per convolution
    // instead of two per band, and each band's cols stay in its core's
    // cache. Bands write disjoint output rows. Small maps (DCGAN) keep the
    // shared blocks, whose GEMMs are split over the cores.
    const std::vector<ColumnBlock> bands = column_blocks(g, kColsBudget / num_threads());
    if (g.rows_per_group() * g.groups * g.plane_out() > kColsBudget && bands.size() >= 2 * std::size_t(num_threads())) {
      parallel_for(0, static_cast<std::int64_t>(bands.size()), 1, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; ++i) run_block(bands[static_cast<std::size_t>(i)]);
      });
      return;
    }
    for_each_block(g, run_block);
  });
}

void conv2d_backward_input(const Tensor& gx, const Tensor& gy, const Tensor& w, const Conv2dParams& p) {
  const ConvGeometry g = geometry(gx, w, gy, p);
  const std::int64_t R = g.rows_per_group(), O = g.out_per_group();
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "conv2d_backward_input", [&] {
    using T = scalar_t;
    if (g.fully_connected()) {  // gx (N, C_in * kH * kW) = gy (N, C_out) @ w, group by group
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(false, false, g.batch, R, O, T(1), gy.data<T>() + k * O, g.c_out, w.data<T>() + k * O * R, R, T(0),
                gx.data<T>() + k * R, g.groups * R);
      return;
    }
    fill(gx, 0.0);  // col2im adds each block's share, and bands of rows overlap
    for_each_block(g, [&](const ColumnBlock& b) {
      const std::int64_t width = b.width(g.window);
      const Tensor grad = block_matrix(gy, b, /*gather=*/true);
      const std::int64_t ld = grad.stride(0);
      const Tensor cols = scratch(Workspace::kConvColumns, {g.groups * R, width}, gx.dtype());
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(true, false, R, width, O, T(1), w.data<T>() + k * O * R, R, grad.data<T>() + k * O * ld, ld, T(0),
                cols.data<T>() + k * R * width, width);
      col2im(cols.data<T>(), b.images, g.c_in, g.window, b.row_begin, b.row_end,
             gx.data<T>() + b.n0 * g.c_in * g.plane_in());
    });
  });
}

void conv2d_backward_weight(const Tensor& gw, const Tensor& x, const Tensor& gy, const Conv2dParams& p) {
  const ConvGeometry g = geometry(x, gw, gy, p);
  const std::int64_t R = g.rows_per_group(), O = g.out_per_group();
  GF_DTYPE_DISPATCH_FLOATING(gw.dtype(), "conv2d_backward_weight", [&] {
    using T = scalar_t;
    if (g.fully_connected()) {  // gw (C_out, C_in / groups * kH * kW) = gy^T (C_out, N) @ x, group by group
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(true, false, O, R, g.batch, T(1), gy.data<T>() + k * O, g.c_out, x.data<T>() + k * R, g.groups * R,
                T(0), gw.data<T>() + k * O * R, R);
      return;
    }
    fill(gw, 0.0);  // each block adds its images' share (and an empty batch leaves zeros)
    for_each_block(g, [&](const ColumnBlock& b) {
      const std::int64_t width = b.width(g.window);
      const Tensor cols = scratch(Workspace::kConvColumns, {g.groups * R, width}, x.dtype());
      im2col(x.data<T>() + b.n0 * g.c_in * g.plane_in(), b.images, g.c_in, g.window, b.row_begin, b.row_end,
             cols.data<T>());
      const Tensor grad = block_matrix(gy, b, /*gather=*/true);
      const std::int64_t ld = grad.stride(0);
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(false, true, O, R, width, T(1), grad.data<T>() + k * O * ld, ld, cols.data<T>() + k * R * width,
                width, T(1), gw.data<T>() + k * O * R, R);
    });
  });
}

}  // namespace gf::cpu
