#pragma once
// The innermost piece of the GEMM: one MR x NR tile of C computed from packed
// panels, with the whole tile held in SIMD registers.
//
//   a: packed A micro-panel, kc steps of MR values   (column p of the tile's rows)
//   b: packed B micro-panel, kc steps of NR values   (row p of the tile's columns)
//   for p < kc:  acc (MR, NR) += a[p] (MR, 1) * b[p] (1, NR)     -- an outer product
//   c (MR, NR, row stride ldc) = acc + beta * c
//
// Each step loads NR / width vectors of B, broadcasts each of the MR values
// of A and issues MR * NR / width fused multiply-adds, so the FMA units stay
// busy while only MR + NR values come from the (L1-resident) panels.
#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace gf::cpu::gemm_detail {

/// A SIMD register of T with the operations the micro-kernel needs; one
/// specialisation per instruction set the build targets (-march=native).
template <typename T>
struct Simd;

#if defined(__AVX512F__)
template <>
struct Simd<float> {
  using Reg = __m512;
  static constexpr int kWidth = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg broadcast(float v) { return _mm512_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }  // a * b + c
};
template <>
struct Simd<double> {
  using Reg = __m512d;
  static constexpr int kWidth = 8;
  static Reg zero() { return _mm512_setzero_pd(); }
  static Reg load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, Reg v) { _mm512_storeu_pd(p, v); }
  static Reg broadcast(double v) { return _mm512_set1_pd(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_pd(a, b, c); }
};
// 32 vector registers: 14 x 2 accumulators + 2 for B, broadcasts fold into the FMAs.
inline constexpr int kRowsPerTile = 14;
inline constexpr int kVectorsPerTile = 2;
#elif defined(__AVX2__) && defined(__FMA__)
template <>
struct Simd<float> {
  using Reg = __m256;
  static constexpr int kWidth = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Reg broadcast(float v) { return _mm256_set1_ps(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
};
template <>
struct Simd<double> {
  using Reg = __m256d;
  static constexpr int kWidth = 4;
  static Reg zero() { return _mm256_setzero_pd(); }
  static Reg load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, Reg v) { _mm256_storeu_pd(p, v); }
  static Reg broadcast(double v) { return _mm256_set1_pd(v); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_pd(a, b, c); }
};
// 16 vector registers: 6 x 2 accumulators + 2 for B + 1 broadcast.
inline constexpr int kRowsPerTile = 6;
inline constexpr int kVectorsPerTile = 2;
#else
// No SIMD intrinsics: a "register" is one scalar, and the compiler is left to
// vectorise the unrolled tile as best it can.
template <typename T>
struct Simd {
  using Reg = T;
  static constexpr int kWidth = 1;
  static Reg zero() { return T(0); }
  static Reg load(const T* p) { return *p; }
  static void store(T* p, Reg v) { *p = v; }
  static Reg broadcast(T v) { return v; }
  static Reg fma(Reg a, Reg b, Reg c) { return a * b + c; }
};
inline constexpr int kRowsPerTile = 4;
inline constexpr int kVectorsPerTile = 8;
#endif

/// Tile shape of the micro-kernel for T: MR rows by NR columns of C.
template <typename T>
struct Tile {
  static constexpr int kMR = kRowsPerTile;
  static constexpr int kNR = kVectorsPerTile * Simd<T>::kWidth;
};

/// c (MR, NR) = sum_p a[p] (MR,) outer b[p] (NR,) + beta * c; beta == 0 never reads c.
template <typename T>
inline void micro_kernel(std::int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                         std::int64_t ldc, T beta) {
  using V = Simd<T>;
  constexpr int MR = Tile<T>::kMR, NV = kVectorsPerTile, W = V::kWidth;
  // Start fetching the C tile now (for writing), so the stores at the end do
  // not stall on cache misses; the k loop below hides the latency.
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    __builtin_prefetch(c + i * ldc, 1);
    __builtin_prefetch(c + i * ldc + NV * W - 1, 1);
  }
  typename V::Reg acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();

  for (std::int64_t p = 0; p < kc; ++p) {
    typename V::Reg bv[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) bv[v] = V::load(b + v * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const typename V::Reg ai = V::broadcast(a[i]);
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fma(ai, bv[v], acc[i][v]);
    }
    a += MR;
    b += NV * W;
  }

  if (beta == T(0)) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) V::store(c + i * ldc + v * W, acc[i][v]);
  } else {
    const typename V::Reg bb = V::broadcast(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v)
        V::store(c + i * ldc + v * W, V::fma(bb, V::load(c + i * ldc + v * W), acc[i][v]));
  }
}

}  // namespace gf::cpu::gemm_detail
