#include "cpu/im2col.hpp"

#include <algorithm>
#include <vector>

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

/// The valid output range of every kernel tap, along each axis: tap i reads
/// input row oh * stride_h + i * dilation_h - pad_h. Computed once per call,
/// so the per-pixel loops below do no division.
struct TapRanges {
  std::vector<ValidRange> rows, cols;
  explicit TapRanges(const Window2d& w) {
    for (std::int64_t i = 0; i < w.k_h; ++i)
      rows.push_back(valid_range(w.out_h, w.in_h, w.stride_h, i * w.dilation_h - w.pad_h));
    for (std::int64_t j = 0; j < w.k_w; ++j)
      cols.push_back(valid_range(w.out_w, w.in_w, w.stride_w, j * w.dilation_w - w.pad_w));
  }
};

/// The part of a tap's valid output rows that lies in the band [begin, end).
ValidRange clip(ValidRange r, std::int64_t begin, std::int64_t end) {
  const std::int64_t lo = std::clamp(r.lo, begin, end);
  return {lo, std::clamp(r.hi, lo, end)};
}

/// Calls fn(image, channel) for every plane, split over the cores. Each plane
/// owns its own columns of cols and its own plane of x, so the work units
/// never write the same memory. Planes go channel by channel, image after
/// image: consecutive planes then use neighbouring columns of the same cols
/// rows, which keeps those rows in cache when feature maps are small.
template <typename Fn>
void for_each_plane(std::int64_t images, std::int64_t channels, std::int64_t work_per_plane, Fn fn) {
  parallel_for(0, images * channels, std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(work_per_plane, 1)),
               [&](std::int64_t p0, std::int64_t p1) {
                 for (std::int64_t p = p0; p < p1; ++p) fn(p % images, p / images);
               });
}

/// im2col one input row at a time: each tap row is a run of consecutive
/// reads (a plain copy for stride 1), the fast way when rows are long.
template <typename T>
void im2col_by_rows(const T* x, std::int64_t images, std::int64_t channels, const Window2d& w, std::int64_t row_begin,
                    std::int64_t row_end, T* cols) {
  const TapRanges taps(w);
  const std::int64_t per_image = (row_end - row_begin) * w.out_w, ld = images * per_image;
  for_each_plane(images, channels, w.k_h * w.k_w * per_image, [&](std::int64_t b, std::int64_t c) {
    const T* plane = x + (b * channels + c) * w.in_h * w.in_w;
    for (std::int64_t i = 0; i < w.k_h; ++i) {
      const ValidRange rows = clip(taps.rows[static_cast<std::size_t>(i)], row_begin, row_end);
      for (std::int64_t j = 0; j < w.k_w; ++j) {
        const ValidRange cs = taps.cols[static_cast<std::size_t>(j)];
        const std::int64_t col_offset = j * w.dilation_w - w.pad_w;
        // Row (c, i, j) of cols, image b's columns; output row oh starts at (oh - row_begin) * out_w.
        T* row = cols + ((c * w.k_h + i) * w.k_w + j) * ld + b * per_image;
        // Window rows above and below the image read only padding.
        std::fill(row, row + (rows.lo - row_begin) * w.out_w, T(0));
        std::fill(row + (rows.hi - row_begin) * w.out_w, row + per_image, T(0));
        for (std::int64_t oh = rows.lo; oh < rows.hi; ++oh) {
          T* dst = row + (oh - row_begin) * w.out_w;
          const T* src = plane + (oh * w.stride_h + i * w.dilation_h - w.pad_h) * w.in_w;  // input row
          for (std::int64_t ow = 0; ow < cs.lo; ++ow) dst[ow] = T(0);
          for (std::int64_t ow = cs.lo; ow < cs.hi; ++ow) dst[ow] = src[ow * w.stride_w + col_offset];
          for (std::int64_t ow = cs.hi; ow < w.out_w; ++ow) dst[ow] = T(0);
        }
      }
    }
  });
}

/// im2col for short rows (small feature maps, or strided windows), where the
/// row loops above spend more time on loop overhead than on copying. A work
/// unit is one channel of a group of images. Their planes are first copied
/// into a stack of zero-bordered buffers, each large enough for every window,
/// so no read needs a bounds check; then the unit's part of every tap row is
/// one long flat gather, dst[l] = stack[tap offset + start[l]], with start[l]
/// the stacked position of output pixel l's window corner. The compiler
/// turns that loop into SIMD gathers.
template <typename T>
void im2col_by_gather(const T* x, std::int64_t images, std::int64_t channels, const Window2d& w,
                      std::int64_t row_begin, std::int64_t row_end, T* cols) {
  const std::int64_t rows = row_end - row_begin, per_image = rows * w.out_w, ld = images * per_image;
  // The padded band of one plane: every pixel the band's windows touch, padding included.
  const std::int64_t band_h = (rows - 1) * w.stride_h + (w.k_h - 1) * w.dilation_h + 1;
  const std::int64_t band_w = (w.out_w - 1) * w.stride_w + (w.k_w - 1) * w.dilation_w + 1;
  const std::int64_t band_size = band_h * band_w;
  const std::int64_t top = row_begin * w.stride_h - w.pad_h;  // input row of the band's row 0
  // The band rows and columns that lie on the image; the rest stays 0.
  const std::int64_t r_lo = std::clamp<std::int64_t>(-top, 0, band_h);
  const std::int64_t r_hi = std::clamp<std::int64_t>(w.in_h - top, r_lo, band_h);
  const std::int64_t q_lo = std::clamp<std::int64_t>(w.pad_w, 0, band_w);
  const std::int64_t q_hi = std::clamp<std::int64_t>(w.pad_w + w.in_w, q_lo, band_w);
  // Images per unit: enough for gathers of about a thousand values.
  const std::int64_t group = std::clamp<std::int64_t>(1024 / per_image, 1, images);
  const std::int64_t groups = (images + group - 1) / group;
  std::vector<std::int32_t> start(static_cast<std::size_t>(group * per_image));  // 32-bit: what gathers take
  for (std::int64_t g = 0; g < group; ++g)
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t ow = 0; ow < w.out_w; ++ow)
        start[static_cast<std::size_t>((g * rows + r) * w.out_w + ow)] =
            static_cast<std::int32_t>(g * band_size + r * w.stride_h * band_w + ow * w.stride_w);
  const std::int64_t work_per_unit = w.k_h * w.k_w * group * per_image;
  parallel_for(0, channels * groups, std::max<std::int64_t>(1, 32768 / work_per_unit), [&](std::int64_t u0,
                                                                                           std::int64_t u1) {
    std::vector<T> stack(static_cast<std::size_t>(group * band_size), T(0));  // borders zeroed once per chunk
    for (std::int64_t u = u0; u < u1; ++u) {
      const std::int64_t c = u / groups, b0 = (u % groups) * group, nb = std::min(group, images - b0);
      for (std::int64_t g = 0; g < nb; ++g) {
        const T* plane = x + ((b0 + g) * channels + c) * w.in_h * w.in_w;
        for (std::int64_t r = r_lo; r < r_hi; ++r) {
          const T* src = plane + (top + r) * w.in_w - w.pad_w;  // input row, shifted to band columns
          std::copy(src + q_lo, src + q_hi, stack.data() + g * band_size + r * band_w + q_lo);
        }
      }
      for (std::int64_t i = 0; i < w.k_h; ++i)
        for (std::int64_t j = 0; j < w.k_w; ++j) {
          T* dst = cols + ((c * w.k_h + i) * w.k_w + j) * ld + b0 * per_image;  // row (c, i, j), images b0...
          const T* tap = stack.data() + i * w.dilation_h * band_w + j * w.dilation_w;
          for (std::int64_t l = 0; l < nb * per_image; ++l) dst[l] = tap[start[static_cast<std::size_t>(l)]];
        }
    }
  });
}

}  // namespace

template <typename T>
void im2col(const T* x, std::int64_t images, std::int64_t channels, const Window2d& w, std::int64_t row_begin,
            std::int64_t row_end, T* cols) {
  // Measured crossover (bench_conv and a microbenchmark): gathers win on
  // strided windows and on rows under 16 pixels; long stride-1 rows copy faster.
  if (w.stride_w > 1 || w.out_w < 16)
    im2col_by_gather(x, images, channels, w, row_begin, row_end, cols);
  else
    im2col_by_rows(x, images, channels, w, row_begin, row_end, cols);
}

template <typename T>
void col2im(const T* cols, std::int64_t images, std::int64_t channels, const Window2d& w, std::int64_t row_begin,
            std::int64_t row_end, T* x) {
  const TapRanges taps(w);
  const std::int64_t per_image = (row_end - row_begin) * w.out_w, ld = images * per_image;
  for_each_plane(images, channels, w.k_h * w.k_w * per_image, [&](std::int64_t b, std::int64_t c) {
    T* plane = x + (b * channels + c) * w.in_h * w.in_w;
    for (std::int64_t i = 0; i < w.k_h; ++i) {
      const ValidRange rows = clip(taps.rows[static_cast<std::size_t>(i)], row_begin, row_end);
      for (std::int64_t j = 0; j < w.k_w; ++j) {
        const ValidRange cs = taps.cols[static_cast<std::size_t>(j)];
        const std::int64_t col_offset = j * w.dilation_w - w.pad_w;
        const T* row = cols + ((c * w.k_h + i) * w.k_w + j) * ld + b * per_image;
        for (std::int64_t oh = rows.lo; oh < rows.hi; ++oh) {
          const T* src = row + (oh - row_begin) * w.out_w;
          T* dst = plane + (oh * w.stride_h + i * w.dilation_h - w.pad_h) * w.in_w;  // input row
          for (std::int64_t ow = cs.lo; ow < cs.hi; ++ow) dst[ow * w.stride_w + col_offset] += src[ow];
        }
      }
    }
  });
}

template void im2col<float>(const float*, std::int64_t, std::int64_t, const Window2d&, std::int64_t, std::int64_t,
                            float*);
template void im2col<double>(const double*, std::int64_t, std::int64_t, const Window2d&, std::int64_t, std::int64_t,
                             double*);
template void col2im<float>(const float*, std::int64_t, std::int64_t, const Window2d&, std::int64_t, std::int64_t,
                            float*);
template void col2im<double>(const double*, std::int64_t, std::int64_t, const Window2d&, std::int64_t,
                             std::int64_t, double*);

}  // namespace gf::cpu
