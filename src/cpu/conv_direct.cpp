#include "cpu/conv_direct.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "cpu/gemm_microkernel.hpp"
#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

using Vec = gemm_detail::Simd<float>;
using Reg = Vec::Reg;
constexpr std::int64_t kLanes = Vec::kWidth;
constexpr int kRegisters = kLanes >= 16 ? 32 : 16;  // AVX-512 / AVX2 vector registers
constexpr std::int64_t kMaxChannelsPerBlock = 4;     // OB: output channels per register block

/// Vectors of pixels per register block for OB output channels: OB NV
/// accumulators, NV input vectors and one broadcast weight must all fit in
/// registers (one more and the compiler spills: OB 3 x NV 8 ran 2.4x slower).
constexpr int max_vectors(int ob) { return std::min(8, (kRegisters - 1) / (ob + 1)); }

struct DirectGeometry {
  std::int64_t c_in, in_h, in_w, k_h, k_w, out_h, out_w;
  std::int64_t taps() const { return c_in * k_h * k_w; }  // (c, i, j) triples per output value
};

/// One register block: OB output channels x NV * kLanes pixels of one output
/// row, summing input channels [c0, c1) onto what y holds (or onto zero when c0 == 0).
///   x   input row `h` of image n, channel 0, at the block's first column
///   wt  the OB channels' weights, tap-major: wt[((c k_h + i) k_w + j) OB + ob]
///   y   output channel o0, row h, at the block's first column (channels out_plane apart)
template <int OB, int NV>
void register_block(const DirectGeometry& g, std::int64_t c0, std::int64_t c1, const float* x, const float* wt,
                    float* y, std::int64_t out_plane) {
  Reg acc[OB][NV];
#pragma GCC unroll 8
  for (int ob = 0; ob < OB; ++ob)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[ob][v] = c0 == 0 ? Vec::zero() : Vec::load(y + ob * out_plane + v * kLanes);
  const std::int64_t in_plane = g.in_h * g.in_w;
  wt += c0 * g.k_h * g.k_w * OB;
  for (std::int64_t c = c0; c < c1; ++c)
    for (std::int64_t i = 0; i < g.k_h; ++i) {
      const float* row = x + c * in_plane + i * g.in_w;
      for (std::int64_t j = 0; j < g.k_w; ++j, wt += OB) {
        Reg xv[NV];
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) xv[v] = Vec::load(row + j + v * kLanes);
#pragma GCC unroll 8
        for (int ob = 0; ob < OB; ++ob) {
          const Reg wv = Vec::broadcast(wt[ob]);
#pragma GCC unroll 8
          for (int v = 0; v < NV; ++v) acc[ob][v] = Vec::fma(wv, xv[v], acc[ob][v]);
        }
      }
    }
#pragma GCC unroll 8
  for (int ob = 0; ob < OB; ++ob)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) Vec::store(y + ob * out_plane + v * kLanes, acc[ob][v]);
}

/// The last out_w % kLanes pixels of a row, one at a time.
void scalar_pixels(const DirectGeometry& g, std::int64_t ob_count, std::int64_t pixels, const float* x,
                   const float* wt, float* y, std::int64_t out_plane) {
  const std::int64_t in_plane = g.in_h * g.in_w;
  for (std::int64_t px = 0; px < pixels; ++px)
    for (std::int64_t ob = 0; ob < ob_count; ++ob) {
      float s = 0;
      const float* w = wt + ob;
      for (std::int64_t c = 0; c < g.c_in; ++c)
        for (std::int64_t i = 0; i < g.k_h; ++i)
          for (std::int64_t j = 0; j < g.k_w; ++j, w += ob_count) s += *w * x[c * in_plane + i * g.in_w + px + j];
      y[ob * out_plane + px] = s;
    }
}

/// One output row for OB channels: full register blocks, then one narrower
/// block for the remaining whole vectors, then the remaining pixels. With many
/// input channels the row is done in chunks of channels, each chunk's input
/// rows small enough to stay in L1 while the kernel taps slide over them (the
/// partial sums wait in y, which is in L1 too).
template <int OB>
void output_row(const DirectGeometry& g, const float* x, const float* wt, float* y, std::int64_t out_plane) {
  constexpr int NV = max_vectors(OB);
  constexpr std::int64_t kL1Budget = 24 * 1024;  // bytes of input rows per chunk, half of L1
  const std::int64_t chunk =
      std::max<std::int64_t>(1, kL1Budget / (g.k_h * (NV * kLanes + g.k_w) * static_cast<std::int64_t>(sizeof(float))));
  for (std::int64_t c0 = 0; c0 < g.c_in; c0 += chunk) {
    const std::int64_t c1 = std::min(g.c_in, c0 + chunk);
    std::int64_t x0 = 0;
    for (; x0 + NV * kLanes <= g.out_w; x0 += NV * kLanes)
      register_block<OB, NV>(g, c0, c1, x + x0, wt, y + x0, out_plane);
    const std::int64_t vectors = (g.out_w - x0) / kLanes;
    // Dispatch the remainder (fewer than NV vectors) to its instantiation.
    [&]<int... V>(std::integer_sequence<int, V...>) {
      ((vectors == V + 1 ? register_block<OB, V + 1>(g, c0, c1, x + x0, wt, y + x0, out_plane) : void()), ...);
    }(std::make_integer_sequence<int, NV - 1>{});
  }
  const std::int64_t x0 = g.out_w / kLanes * kLanes;
  scalar_pixels(g, OB, g.out_w - x0, x + x0, wt, y + x0, out_plane);
}

void output_row(std::int64_t ob, const DirectGeometry& g, const float* x, const float* wt, float* y,
                std::int64_t out_plane) {
  switch (ob) {
    case 1: return output_row<1>(g, x, wt, y, out_plane);
    case 2: return output_row<2>(g, x, wt, y, out_plane);
    case 3: return output_row<3>(g, x, wt, y, out_plane);
    default: return output_row<4>(g, x, wt, y, out_plane);
  }
}

}  // namespace

bool use_direct_conv2d(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p) {
  const bool plain = p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 && p.pad_w == 0 && p.dilation_h == 1 &&
                     p.dilation_w == 1 && p.groups == 1;
  // Few output or input channels (im2col + GEMM waste most of their work), on
  // rows long enough for full register blocks (measured: the 9x9 style-network
  // layers run 3-10x faster this way).
  return plain && x.dtype() == DType::kFloat32 && y.size(3) >= 4 * kLanes && (w.size(0) <= 8 || w.size(1) <= 4);
}

void conv2d_direct_forward(const Tensor& y, const Tensor& x, const Tensor& w) {
  const DirectGeometry g{x.size(1), x.size(2), x.size(3), w.size(2), w.size(3), y.size(2), y.size(3)};
  const std::int64_t N = x.size(0), C_out = w.size(0), taps = g.taps();
  const std::int64_t blocks = (C_out + kMaxChannelsPerBlock - 1) / kMaxChannelsPerBlock;
  // Weights regrouped per block of output channels, tap-major, so a block's
  // OB weights for one tap are adjacent: wt[b][tap][ob].
  std::vector<float> wt(static_cast<std::size_t>(C_out * taps));
  const float* pw = w.data<float>();
  for (std::int64_t o = 0; o < C_out; ++o) {
    const std::int64_t b = o / kMaxChannelsPerBlock, ob = o % kMaxChannelsPerBlock;
    const std::int64_t width = std::min(kMaxChannelsPerBlock, C_out - b * kMaxChannelsPerBlock);
    for (std::int64_t t = 0; t < taps; ++t)
      wt[static_cast<std::size_t>(b * kMaxChannelsPerBlock * taps + t * width + ob)] = pw[o * taps + t];
  }
  const float* px = x.data<float>();
  float* py = y.data<float>();
  const std::int64_t out_plane = g.out_h * g.out_w;
  // Work units (image, output row, channel block), blocks innermost: the
  // blocks of one row read the same input rows while they are in cache.
  const std::int64_t units = N * g.out_h * blocks;
  const std::int64_t flops_per_unit = 2 * kMaxChannelsPerBlock * taps * g.out_w;
  parallel_for(0, units, std::max<std::int64_t>(1, 1000000 / flops_per_unit), [&](std::int64_t u0, std::int64_t u1) {
    for (std::int64_t u = u0; u < u1; ++u) {
      const std::int64_t b = u % blocks, h = (u / blocks) % g.out_h, n = u / (blocks * g.out_h);
      const std::int64_t o0 = b * kMaxChannelsPerBlock, ob = std::min(kMaxChannelsPerBlock, C_out - o0);
      output_row(ob, g, px + (n * g.c_in * g.in_h + h) * g.in_w, wt.data() + o0 * taps,
                 py + ((n * C_out + o0) * g.out_h + h) * g.out_w, out_plane);
    }
  });
}

}  // namespace gf::cpu
