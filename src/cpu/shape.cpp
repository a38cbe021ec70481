#include "kernels/kernels.hpp"

#include <algorithm>
#include <vector>

#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

// For each of `n_out` output positions along one dim, the input index it
// reads (input size n, `before` padded positions in front), or -1 for a zero.
std::vector<std::int64_t> source_indices(std::int64_t n_out, std::int64_t n, std::int64_t before, PadMode mode) {
  std::vector<std::int64_t> src(static_cast<std::size_t>(n_out));
  for (std::int64_t o = 0; o < n_out; ++o) {
    std::int64_t i = o - before;
    if (i < 0 || i >= n) {
      if (mode == PadMode::kZero) i = -1;
      else i = i < 0 ? -i : 2 * (n - 1) - i;  // mirror about the edge element, not repeating it
    }
    src[static_cast<std::size_t>(o)] = i;
  }
  return src;
}

// The padded geometry: `planes` stacked (H, W) inputs and (Ho, Wo) outputs,
// with the input index each output row and column reads.
struct PadPlan {
  std::int64_t planes = 1, h = 0, w = 0, ho = 0, wo = 0;
  std::vector<std::int64_t> rows, cols;
};

PadPlan plan(const Tensor& in, const Tensor& out, std::int64_t left, std::int64_t top, PadMode mode) {
  PadPlan p;
  for (std::int64_t d = 0; d + 2 < in.dim(); ++d) p.planes *= in.size(d);
  p.h = in.size(-2);
  p.w = in.size(-1);
  p.ho = out.size(-2);
  p.wo = out.size(-1);
  p.rows = source_indices(p.ho, p.h, top, mode);
  p.cols = source_indices(p.wo, p.w, left, mode);
  return p;
}

// Calls visit(plane, input_offset, output_offset) for every output element
// that reads an input element (zero padding reads none), one plane per task.
template <typename Visit>
void for_each_read(const PadPlan& p, Visit&& visit) {
  parallel_for(0, p.planes, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(p.ho * p.wo, 1)),
               [&](std::int64_t p0, std::int64_t p1) {
                 for (std::int64_t k = p0; k < p1; ++k)
                   for (std::int64_t i = 0; i < p.ho; ++i) {
                     const std::int64_t r = p.rows[static_cast<std::size_t>(i)];
                     if (r < 0) continue;
                     for (std::int64_t j = 0; j < p.wo; ++j) {
                       const std::int64_t c = p.cols[static_cast<std::size_t>(j)];
                       if (c >= 0) visit((k * p.h + r) * p.w + c, (k * p.ho + i) * p.wo + j);
                     }
                   }
               });
}

}  // namespace

void pad2d(const Tensor& out, const Tensor& x, std::int64_t left, std::int64_t top, PadMode mode) {
  const PadPlan p = plan(x, out, left, top, mode);
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "pad2d", [&] {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    // Row by row: the middle of a row is a plain copy of an input row (the
    // bulk of the work), only the few padded columns go through the index table.
    const std::int64_t right = left + p.w;  // first output column past the input
    parallel_for(0, p.planes * p.ho, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(p.wo, 1)),
                 [&](std::int64_t r0, std::int64_t r1) {
                   for (std::int64_t k = r0; k < r1; ++k) {
                     const std::int64_t plane = k / p.ho, r = p.rows[static_cast<std::size_t>(k % p.ho)];
                     scalar_t* dst = po + k * p.wo;
                     if (r < 0) {
                       std::fill(dst, dst + p.wo, scalar_t(0));
                       continue;
                     }
                     const scalar_t* src = px + (plane * p.h + r) * p.w;
                     auto edge = [&](std::int64_t j) {
                       const std::int64_t c = p.cols[static_cast<std::size_t>(j)];
                       dst[j] = c < 0 ? scalar_t(0) : src[c];
                     };
                     for (std::int64_t j = 0; j < left; ++j) edge(j);
                     std::copy(src, src + p.w, dst + left);
                     for (std::int64_t j = right; j < p.wo; ++j) edge(j);
                   }
                 });
  });
}

void pad2d_backward(const Tensor& gx, const Tensor& g, std::int64_t left, std::int64_t top, PadMode mode) {
  const PadPlan p = plan(gx, g, left, top, mode);
  GF_DTYPE_DISPATCH_FLOATING(gx.dtype(), "pad2d_backward", [&] {
    const scalar_t* pg = g.data<scalar_t>();
    scalar_t* pgx = gx.data<scalar_t>();
    // Planes are independent, so a thread owns every write into its planes.
    for_each_read(p, [&](std::int64_t in, std::int64_t o) { pgx[in] += pg[o]; });
  });
}

}  // namespace gf::cpu
