// Blocked, packed GEMM in the style of Goto and van de Geijn ("Anatomy of
// high-performance matrix multiplication", 2008).
//
// C is computed in tiles of MR x NR by the register-resident micro-kernel
// (gemm_microkernel.hpp). Around it, five loops pick which data sits in which
// cache level:
//
//   for jc in N step NC:                 B block (KC, NC) packed: stays in L3 / L2
//     for pc in K step KC:
//       pack op(B)[pc:pc+KC, jc:jc+NC] into NR-wide micro-panels
//       for ic in M step MC:             A block (MC, KC) packed: stays in L2
//         pack alpha * op(A)[ic:ic+MC, pc:pc+KC] into MR-tall micro-panels
//         for jr in NC step NR:          one B micro-panel (KC, NR): stays in L1
//           for ir in MC step MR:        A micro-panels stream from L2
//             micro_kernel -> C[ic+ir : +MR, jc+jr : +NR]
//
// Packing copies each block once into the exact order the micro-kernel reads
// it (unit stride, zero-padded to whole tiles), which also absorbs transposes,
// alpha and arbitrary leading dimensions. The cores split C into column (or
// row) ranges aligned to whole tiles; each thread packs into its own buffers
// and writes a disjoint part of C, so no locks and no shared packed data.
// The packing buffers are per-thread workspaces (cpu/workspace.hpp), reused
// from call to call.
#include "cpu/gemm.hpp"

#include <algorithm>

#include "cpu/gemm_microkernel.hpp"
#include "cpu/workspace.hpp"
#include "gf/core/error.hpp"
#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

using gemm_detail::micro_kernel;
using gemm_detail::Tile;

// Cache blocks, in elements, chosen for Sapphire Rapids (48 KiB L1d and 2 MiB
// L2 per core) by timing against OpenBLAS there. For either type a B
// micro-panel (KC x NR) is 48 KiB, about L1; the A block (MC x KC) is 168 KiB
// (float) or 336 KiB (double), a fraction of L2; the B block (KC x NC) is
// 3 MiB, in L2 and the shared L3. A deep KC means C is read and written fewer
// times; a modest MC measured faster than one filling L2.
template <typename T>
struct Blocking {
  static constexpr std::int64_t kKC = 384;
  static constexpr std::int64_t kMC = Tile<T>::kMR * 8;
  static constexpr std::int64_t kNC = Tile<T>::kNR * 64;
};

// Below this many flops a GEMM runs on one core: starting threads would cost more.
constexpr double kMinParallelFlops = 2.0 * 96 * 96 * 96;

/// Everything that stays fixed while one GEMM runs.
template <typename T>
struct Problem {
  bool trans_a, trans_b;
  std::int64_t k;
  T alpha;
  const T* a;
  std::int64_t lda;
  const T* b;
  std::int64_t ldb;
  T beta;
  T* c;
  std::int64_t ldc;
};

/// Packs a (lines, depth) slice, whose element (l, p) sits at src[l * ls + p * ps],
/// times `scale`, into micro-panels of W lines: panel after panel, for each p the
/// W values of lines l0..l0+W-1, zero past the last line. Reading W lines side by
/// side keeps the writes sequential; the W source lines stay in L1 meanwhile.
template <std::int64_t W, typename T>
void pack_panels(const T* src, std::int64_t ls, std::int64_t ps, std::int64_t lines, std::int64_t depth, T scale,
                 T* out) {
  for (std::int64_t l0 = 0; l0 < lines; l0 += W) {
    const std::int64_t n = std::min(W, lines - l0);
    const T* panel = src + l0 * ls;
    for (std::int64_t p = 0; p < depth; ++p, out += W) {
      const T* s = panel + p * ps;
      if (ls == 1) {  // unit stride: a plain (vectorisable) copy
        for (std::int64_t l = 0; l < n; ++l) out[l] = scale * s[l];
      } else {
        for (std::int64_t l = 0; l < n; ++l) out[l] = scale * s[l * ls];
      }
      for (std::int64_t l = n; l < W; ++l) out[l] = T(0);
    }
  }
}

/// alpha * op(A)[i0 : i0+mc, p0 : p0+kc] as MR-row micro-panels (lines = rows of op(A)).
template <typename T>
void pack_a(const Problem<T>& g, std::int64_t i0, std::int64_t mc, std::int64_t p0, std::int64_t kc, T* out) {
  // op(A)(i, p) is a[i * lda + p], or a[p * lda + i] when transposed.
  const std::int64_t ls = g.trans_a ? 1 : g.lda, ps = g.trans_a ? g.lda : 1;
  pack_panels<Tile<T>::kMR>(g.a + i0 * ls + p0 * ps, ls, ps, mc, kc, g.alpha, out);
}

/// op(B)[p0 : p0+kc, j0 : j0+nc] as NR-column micro-panels (lines = columns of op(B)).
template <typename T>
void pack_b(const Problem<T>& g, std::int64_t p0, std::int64_t kc, std::int64_t j0, std::int64_t nc, T* out) {
  // op(B)(p, j) is b[p * ldb + j], or b[j * ldb + p] when transposed.
  const std::int64_t ls = g.trans_b ? g.ldb : 1, ps = g.trans_b ? 1 : g.ldb;
  pack_panels<Tile<T>::kNR>(g.b + j0 * ls + p0 * ps, ls, ps, nc, kc, T(1), out);
}

/// c (mc, nc) = packed A (mc, kc) @ packed B (kc, nc) + beta * c, tile by tile.
/// Edge tiles run the same kernel into a scratch tile, then copy what is valid.
template <typename T>
void macro_kernel(std::int64_t mc, std::int64_t nc, std::int64_t kc, const T* ap, const T* bp, T* c,
                  std::int64_t ldc, T beta) {
  constexpr std::int64_t MR = Tile<T>::kMR, NR = Tile<T>::kNR;
  for (std::int64_t jr = 0; jr < nc; jr += NR) {
    const std::int64_t nr = std::min(NR, nc - jr);
    for (std::int64_t ir = 0; ir < mc; ir += MR) {
      const std::int64_t mr = std::min(MR, mc - ir);
      T* cij = c + ir * ldc + jr;
      const T* a = ap + ir * kc;
      const T* b = bp + jr * kc;
      if (mr == MR && nr == NR) {
        micro_kernel(kc, a, b, cij, ldc, beta);
        continue;
      }
      alignas(64) T tile[MR * NR];
      micro_kernel(kc, a, b, tile, NR, T(0));
      for (std::int64_t i = 0; i < mr; ++i)
        for (std::int64_t j = 0; j < nr; ++j)
          cij[i * ldc + j] = beta == T(0) ? tile[i * NR + j] : tile[i * NR + j] + beta * cij[i * ldc + j];
    }
  }
}

/// The five blocked loops on one thread, for C[m0:m1, n0:n1].
template <typename T>
void gemm_block(const Problem<T>& g, std::int64_t m0, std::int64_t m1, std::int64_t n0, std::int64_t n1) {
  using B = Blocking<T>;
  T* a_pack = workspace<T>(Workspace::kGemmPackA, static_cast<std::size_t>(B::kMC * B::kKC));
  T* b_pack = workspace<T>(Workspace::kGemmPackB, static_cast<std::size_t>(B::kKC * B::kNC));
  for (std::int64_t jc = n0; jc < n1; jc += B::kNC) {
    const std::int64_t nc = std::min(B::kNC, n1 - jc);
    for (std::int64_t pc = 0; pc < g.k; pc += B::kKC) {
      const std::int64_t kc = std::min(B::kKC, g.k - pc);
      pack_b(g, pc, kc, jc, nc, b_pack);
      // The first depth block applies beta; later ones accumulate onto it.
      const T beta = pc == 0 ? g.beta : T(1);
      for (std::int64_t ic = m0; ic < m1; ic += B::kMC) {
        const std::int64_t mc = std::min(B::kMC, m1 - ic);
        pack_a(g, ic, mc, pc, kc, a_pack);
        macro_kernel(mc, nc, kc, a_pack, b_pack, g.c + ic * g.ldc + jc, g.ldc, beta);
      }
    }
  }
}

/// C = beta * C, for the cases with nothing to multiply (k == 0 or alpha == 0).
template <typename T>
void scale_c(std::int64_t m, std::int64_t n, T beta, T* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
}

}  // namespace

template <typename T>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  GF_CHECK(m >= 0 && n >= 0 && k >= 0, "gemm: negative size (m=", m, ", n=", n, ", k=", k, ")");
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == T(0)) return scale_c(m, n, beta, c, ldc);
  const Problem<T> g{trans_a, trans_b, k, alpha, a, lda, b, ldb, beta, c, ldc};

  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (num_threads() == 1 || flops < kMinParallelFlops) return gemm_block(g, 0, m, 0, n);
  // Split the longer side of C into whole tiles, one contiguous range per core.
  if (n >= m) {
    constexpr std::int64_t NR = Tile<T>::kNR;
    parallel_for(0, (n + NR - 1) / NR, 1, [&](std::int64_t t0, std::int64_t t1) {
      gemm_block(g, 0, m, t0 * NR, std::min(n, t1 * NR));
    });
  } else {
    constexpr std::int64_t MR = Tile<T>::kMR;
    parallel_for(0, (m + MR - 1) / MR, 1, [&](std::int64_t t0, std::int64_t t1) {
      gemm_block(g, t0 * MR, std::min(m, t1 * MR), 0, n);
    });
  }
}

template <typename T>
void gemm_batched(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
                  const T* a, std::int64_t lda, std::int64_t stride_a, const T* b, std::int64_t ldb,
                  std::int64_t stride_b, T beta, T* c, std::int64_t ldc, std::int64_t stride_c,
                  std::int64_t batch) {
  auto one = [&](std::int64_t i) {
    gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c,
         ldc);
  };
  // Whole products per core when that balances (the inner GEMMs then run on
  // one core each, since parallel_for does not nest); otherwise one product at
  // a time, each split over the cores.
  const std::int64_t threads = num_threads();
  if (threads > 1 && (batch % threads == 0 || batch >= 4 * threads)) {
    parallel_for(0, batch, 1, [&](std::int64_t i0, std::int64_t i1) {
      for (std::int64_t i = i0; i < i1; ++i) one(i);
    });
  } else {
    for (std::int64_t i = 0; i < batch; ++i) one(i);
  }
}

template void gemm<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                          const float*, std::int64_t, float, float*, std::int64_t);
template void gemm<double>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*,
                           std::int64_t, const double*, std::int64_t, double, double*, std::int64_t);
template void gemm_batched<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*,
                                  std::int64_t, std::int64_t, const float*, std::int64_t, std::int64_t, float,
                                  float*, std::int64_t, std::int64_t, std::int64_t);
template void gemm_batched<double>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*,
                                   std::int64_t, std::int64_t, const double*, std::int64_t, std::int64_t, double,
                                   double*, std::int64_t, std::int64_t, std::int64_t);

}  // namespace gf::cpu
