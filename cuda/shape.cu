// CUDA padding of the last two dims: twins of src/cpu/shape.cpp.
//
// Forward: one thread per output element, reading the input element it maps
// to (or zero). Backward as a gather: one thread per input element, summing
// the (at most 3 x 3) output elements that read it, in the CPU's row-major
// order, so no atomics are needed and the result is deterministic.
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// `planes` stacked (h, w) inputs padded to (ho, wo) outputs, `left` columns
// and `top` rows in front.
struct PadGeometry {
  std::int64_t planes, h, w, ho, wo, left, top;
  PadMode mode;
};

PadGeometry geometry_of(const Tensor& in, const Tensor& out, std::int64_t left, std::int64_t top, PadMode mode) {
  std::int64_t planes = 1;
  for (std::int64_t d = 0; d + 2 < in.dim(); ++d) planes *= in.size(d);
  return {planes, in.size(-2), in.size(-1), out.size(-2), out.size(-1), left, top, mode};
}

// The input index output position o reads along a dim of input size n with
// `before` padded positions in front, or -1 for a zero (as the CPU's
// source_indices: the mirror is about the edge element, not repeating it).
__device__ inline std::int64_t source_index(std::int64_t o, std::int64_t n, std::int64_t before, PadMode mode) {
  const std::int64_t i = o - before;
  if (i >= 0 && i < n) return i;
  if (mode == PadMode::kZero) return -1;
  return i < 0 ? -i : 2 * (n - 1) - i;
}

// The output positions (ascending) that read input position r along one dim:
// its mirror in the front padding, itself, its mirror in the back padding,
// each kept only if it exists and really reads r.
struct Readers {
  std::int64_t pos[3];
  int count;
};

__device__ inline Readers readers_of(std::int64_t r, std::int64_t n, std::int64_t n_out, std::int64_t before,
                                     PadMode mode) {
  const std::int64_t direct = before + r;
  const std::int64_t candidates[3] = {before - r, direct, before + 2 * (n - 1) - r};
  Readers rd{{0, 0, 0}, 0};
  for (int c = 0; c < 3; ++c) {
    const std::int64_t o = candidates[c];
    const bool duplicate = c != 1 && o == direct;  // r = 0 or r = n - 1 is its own mirror
    if (o >= 0 && o < n_out && !duplicate && source_index(o, n, before, mode) == r) rd.pos[rd.count++] = o;
  }
  return rd;
}

// out (planes, ho, wo) <- x (planes, h, w)
template <typename T>
__global__ void pad_kernel(PadGeometry g, T* out, const T* x) {
  GF_CUDA_KERNEL_LOOP(idx, g.planes * g.ho * g.wo) {
    const std::int64_t j = idx % g.wo, i = (idx / g.wo) % g.ho, k = idx / (g.wo * g.ho);
    const std::int64_t r = source_index(i, g.h, g.top, g.mode), c = source_index(j, g.w, g.left, g.mode);
    out[idx] = r < 0 || c < 0 ? T(0) : x[(k * g.h + r) * g.w + c];
  }
}

// gx (planes, h, w) += the elements of g (planes, ho, wo) that read each position
template <typename T>
__global__ void pad_backward_kernel(PadGeometry geo, T* gx, const T* g) {
  GF_CUDA_KERNEL_LOOP(idx, geo.planes * geo.h * geo.w) {
    const std::int64_t c = idx % geo.w, r = (idx / geo.w) % geo.h, k = idx / (geo.w * geo.h);
    const Readers rows = readers_of(r, geo.h, geo.ho, geo.top, geo.mode);
    const Readers cols = readers_of(c, geo.w, geo.wo, geo.left, geo.mode);
    T acc = gx[idx];
    for (int a = 0; a < rows.count; ++a)
      for (int b = 0; b < cols.count; ++b) acc += g[(k * geo.ho + rows.pos[a]) * geo.wo + cols.pos[b]];
    gx[idx] = acc;
  }
}

}  // namespace

void pad2d(const Tensor& out, const Tensor& x, std::int64_t left, std::int64_t top, PadMode mode) {
  const PadGeometry geo = geometry_of(x, out, left, top, mode);
  const std::int64_t n = out.numel();
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "pad2d", [&] {
    if (n == 0) return;
    DeviceGuard guard(out);
    pad_kernel<scalar_t>
        <<<blocks_for(n), kThreadsPerBlock, 0, stream(out)>>>(geo, out.data<scalar_t>(), x.data<scalar_t>());
    GF_CUDA_CHECK_LAUNCH("pad2d");
  });
}

void pad2d_backward(const Tensor& gx, const Tensor& g, std::int64_t left, std::int64_t top, PadMode mode) {
  const PadGeometry geo = geometry_of(gx, g, left, top, mode);
  const std::int64_t n = gx.numel();
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "pad2d_backward", [&] {
    if (n == 0) return;
    DeviceGuard guard(gx);
    pad_backward_kernel<scalar_t>
        <<<blocks_for(n), kThreadsPerBlock, 0, stream(gx)>>>(geo, gx.data<scalar_t>(), g.data<scalar_t>());
    GF_CUDA_CHECK_LAUNCH("pad2d_backward");
  });
}

}  // namespace gf::cuda
