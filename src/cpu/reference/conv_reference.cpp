#include "cpu/reference/conv_reference.hpp"

#include <vector>

#include "kernels/kernels.hpp"
#include "gf/core/factory.hpp"

namespace gf::cpu::reference {
namespace {

/// Calls tap(xi, wi, yi) for every product x[xi] * w[wi] that conv2d adds into
/// y[yi] (flat row-major indices), for x (N, C_in, H, W), w (C_out, C_in / groups,
/// kH, kW) and y (N, C_out, H_out, W_out). Taps that fall in the padding are skipped.
template <typename Tap>
void for_each_tap(const Shape& xs, const Shape& ws, const Shape& ys, const Conv2dParams& p, Tap tap) {
  const std::int64_t n_img = xs[0], c_in = xs[1], h = xs[2], w = xs[3];
  const std::int64_t c_out = ws[0], c_group = ws[1], kh = ws[2], kw = ws[3];
  const std::int64_t h_out = ys[2], w_out = ys[3], out_group = c_out / p.groups;
  for (std::int64_t n = 0; n < n_img; ++n)
    for (std::int64_t co = 0; co < c_out; ++co)
      for (std::int64_t oh = 0; oh < h_out; ++oh)
        for (std::int64_t ow = 0; ow < w_out; ++ow)
          for (std::int64_t ci = 0; ci < c_group; ++ci)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t ih = oh * p.stride_h - p.pad_h + i * p.dilation_h;
                const std::int64_t iw = ow * p.stride_w - p.pad_w + j * p.dilation_w;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                const std::int64_t c = co / out_group * c_group + ci;  // input channel in co's group
                tap(((n * c_in + c) * h + ih) * w + iw, ((co * c_group + ci) * kh + i) * kw + j,
                    ((n * c_out + co) * h_out + oh) * w_out + ow);
              }
}

/// Writes double accumulators into `out`, converting to its dtype.
void store(const Tensor& out, const std::vector<double>& values) {
  copy(out, from_vector<double>(values, out.shape()));
}

}  // namespace

void conv2d_forward(const Tensor& y, const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  const auto xv = x.to_vector<double>(), wv = w.to_vector<double>();
  std::vector<double> yv(static_cast<std::size_t>(y.numel()), 0.0);
  for_each_tap(x.shape(), w.shape(), y.shape(), p,
               [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { yv[yi] += xv[xi] * wv[wi]; });
  store(y, yv);
}

void conv2d_backward_input(const Tensor& gx, const Tensor& gy, const Tensor& w, const Conv2dParams& p) {
  const auto gyv = gy.to_vector<double>(), wv = w.to_vector<double>();
  std::vector<double> gxv(static_cast<std::size_t>(gx.numel()), 0.0);
  for_each_tap(gx.shape(), w.shape(), gy.shape(), p,
               [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { gxv[xi] += gyv[yi] * wv[wi]; });
  store(gx, gxv);
}

void conv2d_backward_weight(const Tensor& gw, const Tensor& x, const Tensor& gy, const Conv2dParams& p) {
  const auto xv = x.to_vector<double>(), gyv = gy.to_vector<double>();
  std::vector<double> gwv(static_cast<std::size_t>(gw.numel()), 0.0);
  for_each_tap(x.shape(), gw.shape(), gy.shape(), p,
               [&](std::int64_t xi, std::int64_t wi, std::int64_t yi) { gwv[wi] += xv[xi] * gyv[yi]; });
  store(gw, gwv);
}

}  // namespace gf::cpu::reference
