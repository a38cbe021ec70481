// CUDA pooling and upsampling over contiguous (N, C, H, W): twins of
// src/cpu/pool.cpp.
//
// Forward kernels run one thread per output pixel. Backward kernels are
// gathers, one thread per input pixel summing the output gradients that read
// it in the CPU's row-major order: no atomics, deterministic, and the same
// additions as the CPU's scatter. The exception is max_pool2d_backward, whose
// signature carries no window geometry to invert (see there).
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"
#include "gf/core/determinism.hpp"

namespace gf::cuda {
namespace {

using kernels::Planes;
using kernels::planes_of;

// A half-open range [begin, end) of rows or columns.
struct Span {
  std::int64_t begin, end;
};

// The input rows (or columns) the window at output index o covers, clipped to
// the unpadded input [0, n).
__device__ inline Span window(std::int64_t o, std::int64_t n, const Pool2dParams& p) {
  const std::int64_t start = o * p.stride - p.padding;
  return {start > 0 ? start : 0, start + p.kernel < n ? start + p.kernel : n};
}

// The outputs along one dim (of n_out) whose windows cover input index r:
// window i covers [i s - pad, i s - pad + kernel), so r + pad - kernel < i s <= r + pad.
__device__ inline Span covering(std::int64_t r, std::int64_t n_out, const Pool2dParams& p) {
  const std::int64_t first_num = r + p.padding - p.kernel + 1;
  const std::int64_t first = first_num <= 0 ? 0 : (first_num + p.stride - 1) / p.stride;
  const std::int64_t last = (r + p.padding) / p.stride;
  return {first, last + 1 < n_out ? last + 1 : n_out};
}

// Output pixel o of bilinear upsampling along one axis reads input pixels i0
// and i1 with weights w0 and w1 (w0 + w1 = 1); the CPU's linear_taps, one at a time.
struct LinearTap {
  std::int64_t i0, i1;
  double w0, w1;
};

__device__ inline LinearTap linear_tap(std::int64_t o, std::int64_t n_in, std::int64_t scale) {
  // Half-pixel centres: output centre o + 0.5 lies at input coordinate
  // (o + 0.5) / scale; input pixel i's centre is at i + 0.5. Edges clamp.
  const double unclamped = (static_cast<double>(o) + 0.5) / static_cast<double>(scale) - 0.5;
  const double src = unclamped < 0.0 ? 0.0 : unclamped;
  const auto i0 = static_cast<std::int64_t>(src);
  const double frac = src - static_cast<double>(i0);
  return {i0, i0 + 1 < n_in ? i0 + 1 : n_in - 1, 1.0 - frac, frac};
}

// Splits a linear index over planes of (rows, cols) into (plane, row, col).
struct PixelIndex {
  std::int64_t k, i, j;
};

__device__ inline PixelIndex pixel_of(std::int64_t idx, std::int64_t rows, std::int64_t cols) {
  return {idx / (rows * cols), (idx / cols) % rows, idx % cols};
}

// ---- max pooling ----------------------------------------------------------------

// out, indices (planes, ho, wo) <- x (planes, h, w): each window's first maximum.
template <typename T>
__global__ void max_pool_kernel(Planes P, Pool2dParams p, T* out, std::int64_t* indices, const T* x) {
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.ho * P.wo) {
    const PixelIndex o = pixel_of(idx, P.ho, P.wo);
    const T* in = x + o.k * P.h * P.w;
    const Span rows = window(o.i, P.h, p), cols = window(o.j, P.w, p);
    std::int64_t best = rows.begin * P.w + cols.begin;  // padding <= kernel / 2: never empty
    for (std::int64_t r = rows.begin; r < rows.end; ++r)
      for (std::int64_t c = cols.begin; c < cols.end; ++c) {
        const T v = in[r * P.w + c];
        if (v > in[best] || (v != v && in[best] == in[best])) best = r * P.w + c;  // NaN wins
      }
    out[idx] = in[best];
    indices[idx] = best;
  }
}

// Deterministic: one thread per plane adds its outputs in order, as the CPU does.
template <typename T>
__global__ void max_pool_backward_plane_kernel(Planes P, T* gx, const T* g, const std::int64_t* indices) {
  GF_CUDA_KERNEL_LOOP(k, P.count) {
    const T* go = g + k * P.ho * P.wo;
    const std::int64_t* idx = indices + k * P.ho * P.wo;
    T* gi = gx + k * P.h * P.w;
    for (std::int64_t o = 0; o < P.ho * P.wo; ++o) gi[idx[o]] += go[o];
  }
}

// Fast: one thread per output pixel; overlapping windows meet in atomicAdd.
template <typename T>
__global__ void max_pool_backward_atomic_kernel(Planes P, T* gx, const T* g, const std::int64_t* indices) {
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.ho * P.wo) {
    const std::int64_t k = idx / (P.ho * P.wo);
    atomicAdd(gx + k * P.h * P.w + indices[idx], g[idx]);
  }
}

// ---- average pooling ------------------------------------------------------------

// out (planes, ho, wo) <- x (planes, h, w): each window's sum / kernel^2.
template <typename T>
__global__ void avg_pool_kernel(Planes P, Pool2dParams p, T* out, const T* x) {
  const T inv_area = T(1) / static_cast<T>(p.kernel * p.kernel);
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.ho * P.wo) {
    const PixelIndex o = pixel_of(idx, P.ho, P.wo);
    const T* in = x + o.k * P.h * P.w;
    const Span rows = window(o.i, P.h, p), cols = window(o.j, P.w, p);
    T acc = 0;
    for (std::int64_t r = rows.begin; r < rows.end; ++r)
      for (std::int64_t c = cols.begin; c < cols.end; ++c) acc += in[r * P.w + c];
    out[idx] = acc * inv_area;
  }
}

// gx (planes, h, w) += g / kernel^2 of every window covering each pixel.
template <typename T>
__global__ void avg_pool_backward_kernel(Planes P, Pool2dParams p, T* gx, const T* g) {
  const T inv_area = T(1) / static_cast<T>(p.kernel * p.kernel);
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.h * P.w) {
    const PixelIndex in = pixel_of(idx, P.h, P.w);
    const T* go = g + in.k * P.ho * P.wo;
    const Span rows = covering(in.i, P.ho, p), cols = covering(in.j, P.wo, p);
    T acc = gx[idx];
    for (std::int64_t i = rows.begin; i < rows.end; ++i)
      for (std::int64_t j = cols.begin; j < cols.end; ++j) acc += go[i * P.wo + j] * inv_area;
    gx[idx] = acc;
  }
}

// ---- nearest upsampling ---------------------------------------------------------

// out (planes, s h, s w): out[i][j] = x[i / s][j / s]
template <typename T>
__global__ void upsample_nearest_kernel(Planes P, std::int64_t scale, T* out, const T* x) {
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.ho * P.wo) {
    const PixelIndex o = pixel_of(idx, P.ho, P.wo);
    out[idx] = x[(o.k * P.h + o.i / scale) * P.w + o.j / scale];
  }
}

// gx (planes, h, w) += the sum of g (planes, s h, s w) over each pixel's s x s block.
template <typename T>
__global__ void upsample_nearest_backward_kernel(Planes P, std::int64_t scale, T* gx, const T* g) {
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.h * P.w) {
    const PixelIndex in = pixel_of(idx, P.h, P.w);
    const T* go = g + in.k * P.ho * P.wo;
    T acc = gx[idx];
    for (std::int64_t i = in.i * scale; i < (in.i + 1) * scale; ++i)
      for (std::int64_t j = in.j * scale; j < (in.j + 1) * scale; ++j) acc += go[i * P.wo + j];
    gx[idx] = acc;
  }
}

// ---- bilinear upsampling --------------------------------------------------------

// out (planes, s h, s w): each pixel interpolates its (up to) four input pixels.
template <typename T>
__global__ void upsample_bilinear_kernel(Planes P, std::int64_t scale, T* out, const T* x) {
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.ho * P.wo) {
    const PixelIndex o = pixel_of(idx, P.ho, P.wo);
    const LinearTap r = linear_tap(o.i, P.h, scale), c = linear_tap(o.j, P.w, scale);
    const T* top = x + (o.k * P.h + r.i0) * P.w;
    const T* bottom = x + (o.k * P.h + r.i1) * P.w;
    const double upper = c.w0 * top[c.i0] + c.w1 * top[c.i1];
    const double lower = c.w0 * bottom[c.i0] + c.w1 * bottom[c.i1];
    out[idx] = static_cast<T>(r.w0 * upper + r.w1 * lower);
  }
}

// gx (planes, h, w) += every g element's weighted share of each input pixel.
// An input row r is read by the output rows whose taps have i0 or i1 = r,
// i.e. i0 in {r - 1, r}: all of them lie in [(r - 2) s, (r + 2) s).
template <typename T>
__global__ void upsample_bilinear_backward_kernel(Planes P, std::int64_t scale, T* gx, const T* g) {
  GF_CUDA_KERNEL_LOOP(idx, P.count * P.h * P.w) {
    const PixelIndex in = pixel_of(idx, P.h, P.w);
    const T* go = g + in.k * P.ho * P.wo;
    const std::int64_t i_begin = in.i >= 2 ? (in.i - 2) * scale : 0, i_end = (in.i + 2) * scale;
    const std::int64_t j_begin = in.j >= 2 ? (in.j - 2) * scale : 0, j_end = (in.j + 2) * scale;
    T acc = gx[idx];
    for (std::int64_t i = i_begin; i < i_end && i < P.ho; ++i) {
      const LinearTap r = linear_tap(i, P.h, scale);
      if (r.i0 != in.i && r.i1 != in.i) continue;
      for (std::int64_t j = j_begin; j < j_end && j < P.wo; ++j) {
        const LinearTap c = linear_tap(j, P.w, scale);
        const double v = go[i * P.wo + j];
        // The CPU's four adds for this output, in its order, where they land here.
        if (r.i0 == in.i && c.i0 == in.j) acc += static_cast<T>(r.w0 * c.w0 * v);
        if (r.i0 == in.i && c.i1 == in.j) acc += static_cast<T>(r.w0 * c.w1 * v);
        if (r.i1 == in.i && c.i0 == in.j) acc += static_cast<T>(r.w1 * c.w0 * v);
        if (r.i1 == in.i && c.i1 == in.j) acc += static_cast<T>(r.w1 * c.w1 * v);
      }
    }
    gx[idx] = acc;
  }
}

// Launches `kernel` with one thread per item of `n` on t's GPU and stream.
template <typename Kernel, typename... Args>
void launch(const char* name, const Tensor& t, std::int64_t n, Kernel kernel, Args... args) {
  if (n == 0) return;
  DeviceGuard guard(t);
  kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream(t)>>>(args...);
  GF_CUDA_CHECK_LAUNCH(name);
}

}  // namespace

void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x, Pool2dParams p) {
  const Planes P = planes_of(x, out);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "max_pool2d", [&] {
    launch("max_pool2d", out, out.numel(), max_pool_kernel<scalar_t>, P, p, out.data<scalar_t>(),
           indices.data<std::int64_t>(), x.data<scalar_t>());
  });
}

void max_pool2d_backward(const Tensor& gx, const Tensor& g, const Tensor& indices) {
  // A gather would need the window geometry, which this signature (the CPU
  // twin's) does not carry. Deterministic mode adds plane by plane in the
  // CPU's order; otherwise one thread per output pixel adds atomically.
  const Planes P = planes_of(gx, g);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "max_pool2d_backward", [&] {
    if (deterministic()) {
      launch("max_pool2d_backward", gx, P.count, max_pool_backward_plane_kernel<scalar_t>, P,
             gx.data<scalar_t>(), g.data<scalar_t>(), indices.data<std::int64_t>());
    } else {
      launch("max_pool2d_backward", gx, g.numel(), max_pool_backward_atomic_kernel<scalar_t>, P,
             gx.data<scalar_t>(), g.data<scalar_t>(), indices.data<std::int64_t>());
    }
  });
}

void avg_pool2d(const Tensor& out, const Tensor& x, Pool2dParams p) {
  const Planes P = planes_of(x, out);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "avg_pool2d", [&] {
    launch("avg_pool2d", out, out.numel(), avg_pool_kernel<scalar_t>, P, p, out.data<scalar_t>(),
           x.data<scalar_t>());
  });
}

void avg_pool2d_backward(const Tensor& gx, const Tensor& g, Pool2dParams p) {
  const Planes P = planes_of(gx, g);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "avg_pool2d_backward", [&] {
    launch("avg_pool2d_backward", gx, gx.numel(), avg_pool_backward_kernel<scalar_t>, P, p, gx.data<scalar_t>(),
           g.data<scalar_t>());
  });
}

void upsample_nearest2d(const Tensor& out, const Tensor& x, std::int64_t scale) {
  const Planes P = planes_of(x, out);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "upsample_nearest2d", [&] {
    launch("upsample_nearest2d", out, out.numel(), upsample_nearest_kernel<scalar_t>, P, scale,
           out.data<scalar_t>(), x.data<scalar_t>());
  });
}

void upsample_nearest2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale) {
  const Planes P = planes_of(gx, g);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "upsample_nearest2d_backward", [&] {
    launch("upsample_nearest2d_backward", gx, gx.numel(), upsample_nearest_backward_kernel<scalar_t>, P, scale,
           gx.data<scalar_t>(), g.data<scalar_t>());
  });
}

void upsample_bilinear2d(const Tensor& out, const Tensor& x, std::int64_t scale) {
  const Planes P = planes_of(x, out);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "upsample_bilinear2d", [&] {
    launch("upsample_bilinear2d", out, out.numel(), upsample_bilinear_kernel<scalar_t>, P, scale,
           out.data<scalar_t>(), x.data<scalar_t>());
  });
}

void upsample_bilinear2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale) {
  const Planes P = planes_of(gx, g);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "upsample_bilinear2d_backward", [&] {
    launch("upsample_bilinear2d_backward", gx, gx.numel(), upsample_bilinear_backward_kernel<scalar_t>, P, scale,
           gx.data<scalar_t>(), g.data<scalar_t>());
  });
}

}  // namespace gf::cuda
