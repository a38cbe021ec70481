// Convolution as GEMM. For one group and a chunk of nb images:
//
//   forward          y_g (O, nb*L)    = w_g (O, R) @ cols_g (R, nb*L),       cols = im2col(x)
//   backward input   cols_g (R, nb*L) = w_g^T (R, O) @ gy_g (O, nb*L),       gx = col2im(cols)
//   backward weight  gw_g (O, R)     += gy_g (O, nb*L) @ cols_g^T (nb*L, R), cols = im2col(x)
//
// with O = C_out / groups output channels, R = C_in / groups * kH * kW window
// values per output pixel and L = H_out * W_out pixels per image. Several
// images share one GEMM so that small feature maps (the 1x1 and 7x7 maps at
// the start of a generator) still give wide, efficient products; the chunk is
// capped so cols stays a bounded size. The GEMM, im2col and col2im each
// spread their work over the cores.
#include "cpu/conv.hpp"

#include <algorithm>

#include "cpu/copy.hpp"
#include "cpu/gemm.hpp"
#include "cpu/im2col.hpp"

namespace gf::cpu {
namespace {

// Elements of cols per chunk of images: 16 MiB of float32.
constexpr std::int64_t kColsBudget = std::int64_t{1} << 22;

struct ConvGeometry {
  std::int64_t batch, c_in, c_out, groups;
  Window2d window;

  std::int64_t plane_in() const { return window.in_h * window.in_w; }
  std::int64_t plane_out() const { return window.out_h * window.out_w; }                      // L
  std::int64_t rows_per_group() const { return c_in / groups * window.k_h * window.k_w; }    // R
  std::int64_t out_per_group() const { return c_out / groups; }                              // O
  std::int64_t images_per_chunk() const {
    const std::int64_t per_image = std::max<std::int64_t>(1, groups * rows_per_group() * plane_out());
    return std::clamp<std::int64_t>(kColsBudget / per_image, 1, std::max<std::int64_t>(batch, 1));
  }
};

/// From x (N, C_in, H, W), w (C_out, C_in / groups, kH, kW), y (N, C_out, H_out, W_out).
ConvGeometry geometry(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p) {
  GF_CHECK(x.is_contiguous() && w.is_contiguous() && y.is_contiguous(), "conv2d kernels: tensors must be contiguous");
  return {x.size(0), x.size(1), y.size(1), p.groups,
          Window2d{x.size(2), x.size(3), y.size(2), y.size(3), w.size(2), w.size(3), p.stride_h, p.stride_w,
                   p.pad_h, p.pad_w, p.dilation_h, p.dilation_w}};
}

/// Images [n0, n0 + nb) of t (N, C, H, W) seen as (C, nb, H * W): the layout
/// of a GEMM result with one row per channel. A view, no copy; for a single
/// image it is the image itself.
Tensor channel_major(const Tensor& t, std::int64_t n0, std::int64_t nb) {
  const std::int64_t c = t.size(1), l = t.size(2) * t.size(3);
  return make_view(t, {c, nb, l}, {l, c * l, 1}, t.offset() + n0 * c * l);
}

/// The same images as a contiguous (C, nb, H * W) tensor: a copy unless nb == 1.
Tensor channel_major_contiguous(const Tensor& t, std::int64_t n0, std::int64_t nb) {
  Tensor view = channel_major(t, n0, nb);
  if (nb == 1) return view;
  Tensor out = Tensor::empty(view.shape(), {t.dtype(), t.device()});
  copy(out, view);
  return out;
}

}  // namespace

void conv2d_forward(const Tensor& y, const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  const ConvGeometry g = geometry(x, w, y, p);
  const std::int64_t R = g.rows_per_group(), O = g.out_per_group(), chunk = g.images_per_chunk();
  GF_DISPATCH_FLOATING(x.dtype(), "conv2d_forward", [&] {
    using T = scalar_t;
    for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
      const std::int64_t nb = std::min(chunk, g.batch - n0), width = nb * g.plane_out();
      Tensor cols = Tensor::empty({g.groups * R, width}, {x.dtype()});
      im2col(x.data<T>() + n0 * g.c_in * g.plane_in(), nb, g.c_in, g.window, cols.data<T>());
      // One image: the GEMM writes straight into y. Several: into a buffer, then transposed into place.
      Tensor out = nb == 1 ? channel_major(y, n0, 1) : Tensor::empty({g.c_out, nb, g.plane_out()}, {y.dtype()});
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(false, false, O, width, R, T(1), w.data<T>() + k * O * R, R, cols.data<T>() + k * R * width, width,
                T(0), out.data<T>() + k * O * width, width);
      if (nb > 1) copy(channel_major(y, n0, nb), out);
    }
  });
}

void conv2d_backward_input(const Tensor& gx, const Tensor& gy, const Tensor& w, const Conv2dParams& p) {
  const ConvGeometry g = geometry(gx, w, gy, p);
  const std::int64_t R = g.rows_per_group(), O = g.out_per_group(), chunk = g.images_per_chunk();
  GF_DISPATCH_FLOATING(gx.dtype(), "conv2d_backward_input", [&] {
    using T = scalar_t;
    for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
      const std::int64_t nb = std::min(chunk, g.batch - n0), width = nb * g.plane_out();
      const Tensor grad = channel_major_contiguous(gy, n0, nb);  // (C_out, nb, L)
      Tensor cols = Tensor::empty({g.groups * R, width}, {gx.dtype()});
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(true, false, R, width, O, T(1), w.data<T>() + k * O * R, R, grad.data<T>() + k * O * width, width,
                T(0), cols.data<T>() + k * R * width, width);
      col2im(cols.data<T>(), nb, g.c_in, g.window, gx.data<T>() + n0 * g.c_in * g.plane_in());
    }
  });
}

void conv2d_backward_weight(const Tensor& gw, const Tensor& x, const Tensor& gy, const Conv2dParams& p) {
  const ConvGeometry g = geometry(x, gw, gy, p);
  const std::int64_t R = g.rows_per_group(), O = g.out_per_group(), chunk = g.images_per_chunk();
  GF_DISPATCH_FLOATING(gw.dtype(), "conv2d_backward_weight", [&] {
    using T = scalar_t;
    if (g.batch == 0) return fill(gw, 0.0);
    for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
      const std::int64_t nb = std::min(chunk, g.batch - n0), width = nb * g.plane_out();
      Tensor cols = Tensor::empty({g.groups * R, width}, {x.dtype()});
      im2col(x.data<T>() + n0 * g.c_in * g.plane_in(), nb, g.c_in, g.window, cols.data<T>());
      const Tensor grad = channel_major_contiguous(gy, n0, nb);  // (C_out, nb, L)
      // The first chunk overwrites gw, later chunks add their images' share.
      const T beta = n0 == 0 ? T(0) : T(1);
      for (std::int64_t k = 0; k < g.groups; ++k)
        gemm<T>(false, true, O, R, width, T(1), grad.data<T>() + k * O * width, width,
                cols.data<T>() + k * R * width, width, beta, gw.data<T>() + k * O * R, R);
    }
  });
}

}  // namespace gf::cpu
