#include "kernels/kernels.hpp"

#include <algorithm>
#include <vector>

#include "gf/core/parallel.hpp"
#include "kernels/layout.hpp"

namespace gf::cpu {

using kernels::Planes;
using kernels::planes_of;

namespace {

// Runs body(plane) for every plane, several small planes per task.
template <typename Body>
void for_each_plane(const Planes& P, Body&& body) {
  const std::int64_t work = std::max<std::int64_t>(1, std::max(P.h * P.w, P.ho * P.wo));
  parallel_for(0, P.count, std::max<std::int64_t>(1, 16384 / work), [&](std::int64_t p0, std::int64_t p1) {
    for (std::int64_t k = p0; k < p1; ++k) body(k);
  });
}

// The input rows (or columns) [begin, end) a window at output index o covers,
// clipped to the unpadded input [0, n).
struct Span {
  std::int64_t begin, end;
};

inline Span window(std::int64_t o, std::int64_t n, const Pool2dParams& p) {
  const std::int64_t start = o * p.stride - p.padding;
  return {std::max<std::int64_t>(start, 0), std::min(start + p.kernel, n)};
}

// One output pixel of bilinear upsampling along one axis reads input pixels
// i0 and i1 with weights w0 and w1 (w0 + w1 = 1).
struct LinearTap {
  std::int64_t i0, i1;
  double w0, w1;
};

std::vector<LinearTap> linear_taps(std::int64_t n_out, std::int64_t n_in, std::int64_t scale) {
  std::vector<LinearTap> taps(static_cast<std::size_t>(n_out));
  for (std::int64_t o = 0; o < n_out; ++o) {
    // Half-pixel centres: output centre o + 0.5 lies at input coordinate
    // (o + 0.5) / scale; input pixel i's centre is at i + 0.5. Edges clamp.
    const double src = std::max((static_cast<double>(o) + 0.5) / static_cast<double>(scale) - 0.5, 0.0);
    const auto i0 = static_cast<std::int64_t>(src);
    const double frac = src - static_cast<double>(i0);
    taps[static_cast<std::size_t>(o)] = {i0, std::min(i0 + 1, n_in - 1), 1.0 - frac, frac};
  }
  return taps;
}

}  // namespace

// ---- max pooling ----------------------------------------------------------------

void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x, Pool2dParams p) {
  const Planes P = planes_of(x, out);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "max_pool2d", [&] {
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* in = x.data<scalar_t>() + k * P.h * P.w;
      scalar_t* o = out.data<scalar_t>() + k * P.ho * P.wo;
      std::int64_t* idx = indices.data<std::int64_t>() + k * P.ho * P.wo;
      for (std::int64_t i = 0; i < P.ho; ++i) {
        const Span rows = window(i, P.h, p);
        for (std::int64_t j = 0; j < P.wo; ++j) {
          const Span cols = window(j, P.w, p);
          std::int64_t best = rows.begin * P.w + cols.begin;  // padding <= kernel / 2: never empty
          for (std::int64_t r = rows.begin; r < rows.end; ++r)
            for (std::int64_t c = cols.begin; c < cols.end; ++c) {
              const scalar_t v = in[r * P.w + c];
              if (v > in[best] || (v != v && in[best] == in[best])) best = r * P.w + c;  // NaN wins
            }
          o[i * P.wo + j] = in[best];
          idx[i * P.wo + j] = best;
        }
      }
    });
  });
}

void max_pool2d_backward(const Tensor& gx, const Tensor& g, const Tensor& indices) {
  const Planes P = planes_of(gx, g);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "max_pool2d_backward", [&] {
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* go = g.data<scalar_t>() + k * P.ho * P.wo;
      const std::int64_t* idx = indices.data<std::int64_t>() + k * P.ho * P.wo;
      scalar_t* gi = gx.data<scalar_t>() + k * P.h * P.w;
      for (std::int64_t o = 0; o < P.ho * P.wo; ++o) gi[idx[o]] += go[o];  // overlapping windows add up
    });
  });
}

// ---- average pooling ------------------------------------------------------------

void avg_pool2d(const Tensor& out, const Tensor& x, Pool2dParams p) {
  const Planes P = planes_of(x, out);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "avg_pool2d", [&] {
    const scalar_t inv_area = scalar_t(1) / static_cast<scalar_t>(p.kernel * p.kernel);
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* in = x.data<scalar_t>() + k * P.h * P.w;
      scalar_t* o = out.data<scalar_t>() + k * P.ho * P.wo;
      for (std::int64_t i = 0; i < P.ho; ++i) {
        const Span rows = window(i, P.h, p);
        for (std::int64_t j = 0; j < P.wo; ++j) {
          const Span cols = window(j, P.w, p);
          scalar_t acc = 0;
          for (std::int64_t r = rows.begin; r < rows.end; ++r)
            for (std::int64_t c = cols.begin; c < cols.end; ++c) acc += in[r * P.w + c];
          o[i * P.wo + j] = acc * inv_area;
        }
      }
    });
  });
}

void avg_pool2d_backward(const Tensor& gx, const Tensor& g, Pool2dParams p) {
  const Planes P = planes_of(gx, g);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "avg_pool2d_backward", [&] {
    const scalar_t inv_area = scalar_t(1) / static_cast<scalar_t>(p.kernel * p.kernel);
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* go = g.data<scalar_t>() + k * P.ho * P.wo;
      scalar_t* gi = gx.data<scalar_t>() + k * P.h * P.w;
      for (std::int64_t i = 0; i < P.ho; ++i) {
        const Span rows = window(i, P.h, p);
        for (std::int64_t j = 0; j < P.wo; ++j) {
          const Span cols = window(j, P.w, p);
          const scalar_t share = go[i * P.wo + j] * inv_area;
          for (std::int64_t r = rows.begin; r < rows.end; ++r)
            for (std::int64_t c = cols.begin; c < cols.end; ++c) gi[r * P.w + c] += share;
        }
      }
    });
  });
}

// ---- nearest upsampling ---------------------------------------------------------

void upsample_nearest2d(const Tensor& out, const Tensor& x, std::int64_t scale) {
  const Planes P = planes_of(x, out);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "upsample_nearest2d", [&] {
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* in = x.data<scalar_t>() + k * P.h * P.w;
      scalar_t* o = out.data<scalar_t>() + k * P.ho * P.wo;
      for (std::int64_t i = 0; i < P.ho; ++i)
        for (std::int64_t j = 0; j < P.wo; ++j) o[i * P.wo + j] = in[(i / scale) * P.w + j / scale];
    });
  });
}

void upsample_nearest2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale) {
  const Planes P = planes_of(gx, g);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "upsample_nearest2d_backward", [&] {
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* go = g.data<scalar_t>() + k * P.ho * P.wo;
      scalar_t* gi = gx.data<scalar_t>() + k * P.h * P.w;
      for (std::int64_t i = 0; i < P.ho; ++i)
        for (std::int64_t j = 0; j < P.wo; ++j) gi[(i / scale) * P.w + j / scale] += go[i * P.wo + j];
    });
  });
}

// ---- bilinear upsampling --------------------------------------------------------

void upsample_bilinear2d(const Tensor& out, const Tensor& x, std::int64_t scale) {
  const Planes P = planes_of(x, out);
  const std::vector<LinearTap> rows = linear_taps(P.ho, P.h, scale), cols = linear_taps(P.wo, P.w, scale);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "upsample_bilinear2d", [&] {
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* in = x.data<scalar_t>() + k * P.h * P.w;
      scalar_t* o = out.data<scalar_t>() + k * P.ho * P.wo;
      for (std::int64_t i = 0; i < P.ho; ++i) {
        const LinearTap& r = rows[static_cast<std::size_t>(i)];
        const scalar_t* top = in + r.i0 * P.w;
        const scalar_t* bottom = in + r.i1 * P.w;
        for (std::int64_t j = 0; j < P.wo; ++j) {
          const LinearTap& c = cols[static_cast<std::size_t>(j)];
          const double upper = c.w0 * top[c.i0] + c.w1 * top[c.i1];
          const double lower = c.w0 * bottom[c.i0] + c.w1 * bottom[c.i1];
          o[i * P.wo + j] = static_cast<scalar_t>(r.w0 * upper + r.w1 * lower);
        }
      }
    });
  });
}

void upsample_bilinear2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale) {
  const Planes P = planes_of(gx, g);
  const std::vector<LinearTap> rows = linear_taps(P.ho, P.h, scale), cols = linear_taps(P.wo, P.w, scale);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "upsample_bilinear2d_backward", [&] {
    for_each_plane(P, [&](std::int64_t k) {
      const scalar_t* go = g.data<scalar_t>() + k * P.ho * P.wo;
      scalar_t* gi = gx.data<scalar_t>() + k * P.h * P.w;
      for (std::int64_t i = 0; i < P.ho; ++i) {
        const LinearTap& r = rows[static_cast<std::size_t>(i)];
        for (std::int64_t j = 0; j < P.wo; ++j) {
          const LinearTap& c = cols[static_cast<std::size_t>(j)];
          const double v = go[i * P.wo + j];
          // The transpose of the forward: each of the four reads becomes an add.
          gi[r.i0 * P.w + c.i0] += static_cast<scalar_t>(r.w0 * c.w0 * v);
          gi[r.i0 * P.w + c.i1] += static_cast<scalar_t>(r.w0 * c.w1 * v);
          gi[r.i1 * P.w + c.i0] += static_cast<scalar_t>(r.w1 * c.w0 * v);
          gi[r.i1 * P.w + c.i1] += static_cast<scalar_t>(r.w1 * c.w1 * v);
        }
      }
    });
  });
}

}  // namespace gf::cpu
