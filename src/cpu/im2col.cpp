#include "cpu/im2col.hpp"

#include <algorithm>

#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

/// Output indices o in [lo, hi) whose input index o * stride + offset lies in
/// [0, in): the part of a row (or column) of windows that is not padding.
struct ValidRange {
  std::int64_t lo, hi;
};

ValidRange valid_range(std::int64_t out, std::int64_t in, std::int64_t stride, std::int64_t offset) {
  // Smallest o with o * stride + offset >= 0, and smallest o with o * stride + offset >= in.
  auto first_at_least = [stride, offset](std::int64_t bound) {
    const std::int64_t need = bound - offset;  // o * stride >= need
    return need <= 0 ? 0 : (need + stride - 1) / stride;
  };
  const std::int64_t lo = std::min(out, first_at_least(0));
  return {lo, std::clamp(first_at_least(in), lo, out)};
}

/// Calls fn(plane_index) for every (image, channel) plane, split over the
/// cores. Each plane owns its own rows of cols and its own plane of x, so
/// the work units never write the same memory.
template <typename Fn>
void for_each_plane(std::int64_t images, std::int64_t channels, const Window2d& w, Fn fn) {
  const std::int64_t work_per_plane = std::max<std::int64_t>(1, w.k_h * w.k_w * w.out_h * w.out_w);
  parallel_for(0, images * channels, std::max<std::int64_t>(1, 32768 / work_per_plane),
               [&](std::int64_t p0, std::int64_t p1) {
                 for (std::int64_t p = p0; p < p1; ++p) fn(p / channels, p % channels);
               });
}

}  // namespace

template <typename T>
void im2col(const T* x, std::int64_t images, std::int64_t channels, const Window2d& w, T* cols) {
  const std::int64_t plane_out = w.out_h * w.out_w, ld = images * plane_out;
  for_each_plane(images, channels, w, [&](std::int64_t b, std::int64_t c) {
    const T* plane = x + (b * channels + c) * w.in_h * w.in_w;
    for (std::int64_t i = 0; i < w.k_h; ++i) {
      const ValidRange rows = valid_range(w.out_h, w.in_h, w.stride_h, i * w.dilation_h - w.pad_h);
      for (std::int64_t j = 0; j < w.k_w; ++j) {
        const std::int64_t col_offset = j * w.dilation_w - w.pad_w;
        const ValidRange cs = valid_range(w.out_w, w.in_w, w.stride_w, col_offset);
        T* row = cols + ((c * w.k_h + i) * w.k_w + j) * ld + b * plane_out;  // this (c, i, j), image b
        for (std::int64_t oh = 0; oh < w.out_h; ++oh) {
          T* dst = row + oh * w.out_w;
          if (oh < rows.lo || oh >= rows.hi) {
            std::fill(dst, dst + w.out_w, T(0));
            continue;
          }
          const T* src = plane + (oh * w.stride_h + i * w.dilation_h - w.pad_h) * w.in_w;  // input row
          std::fill(dst, dst + cs.lo, T(0));
          for (std::int64_t ow = cs.lo; ow < cs.hi; ++ow) dst[ow] = src[ow * w.stride_w + col_offset];
          std::fill(dst + cs.hi, dst + w.out_w, T(0));
        }
      }
    }
  });
}

template <typename T>
void col2im(const T* cols, std::int64_t images, std::int64_t channels, const Window2d& w, T* x) {
  const std::int64_t plane_out = w.out_h * w.out_w, ld = images * plane_out;
  for_each_plane(images, channels, w, [&](std::int64_t b, std::int64_t c) {
    T* plane = x + (b * channels + c) * w.in_h * w.in_w;
    std::fill(plane, plane + w.in_h * w.in_w, T(0));
    for (std::int64_t i = 0; i < w.k_h; ++i) {
      const ValidRange rows = valid_range(w.out_h, w.in_h, w.stride_h, i * w.dilation_h - w.pad_h);
      for (std::int64_t j = 0; j < w.k_w; ++j) {
        const std::int64_t col_offset = j * w.dilation_w - w.pad_w;
        const ValidRange cs = valid_range(w.out_w, w.in_w, w.stride_w, col_offset);
        const T* row = cols + ((c * w.k_h + i) * w.k_w + j) * ld + b * plane_out;
        for (std::int64_t oh = rows.lo; oh < rows.hi; ++oh) {
          const T* src = row + oh * w.out_w;
          T* dst = plane + (oh * w.stride_h + i * w.dilation_h - w.pad_h) * w.in_w;  // input row
          for (std::int64_t ow = cs.lo; ow < cs.hi; ++ow) dst[ow * w.stride_w + col_offset] += src[ow];
        }
      }
    }
  });
}

template void im2col<float>(const float*, std::int64_t, std::int64_t, const Window2d&, float*);
template void im2col<double>(const double*, std::int64_t, std::int64_t, const Window2d&, double*);
template void col2im<float>(const float*, std::int64_t, std::int64_t, const Window2d&, float*);
template void col2im<double>(const double*, std::int64_t, std::int64_t, const Window2d&, double*);

}  // namespace gf::cpu
