// SGEMM throughput: our gf::cpu::gemm<float>, and OpenBLAS's cblas_sgemm on
// the same shapes when the build found OpenBLAS (benchmarks/CMakeLists.txt).
//
//   build/benchmarks/bench_gemm --benchmark_counters_tabular=true
//
// OpenBLAS misdetects this VM's CPU and picks slow kernels; run it with
// OPENBLAS_CORETYPE=SkylakeX (the benchmark driver does) for a fair peer.
//
// Names: gemm/<shape> (ours), openblas/<shape> (peer). Shapes: square
// 256..2048, and the GEMMs that src/cpu/conv.cpp issues for two DCGAN-28
// layers at batch 64. conv.cpp builds im2col columns in blocks of at most 2^20
// floats, whole images per block, so one layer runs several GEMMs of the block
// width; the benchmark is one of those (the full-size blocks):
//   dcgan28_conv2   D's Conv(64, 128, k4, s2, p1), 14x14 -> 7x7, forward:
//                   y (O, width) = w (O, R) @ cols (R, width) with O = 128,
//                   R = 64 * 4 * 4 = 1024, 20 images of 7 * 7 = 49 pixels per
//                   block -> M = 128, N = 980, K = 1024 (no transposes)
//   dcgan28_convT2  G's ConvT(256, 128, k4, s2, p1), 7x7 -> 14x14, forward =
//                   conv2d's input gradient (conv 128 -> 256 channels, 14x14 ->
//                   7x7): cols (R, width) = w^T (R, O) @ x (O, width) with
//                   R = 128 * 16 = 2048, O = 256, 10 images of 49 pixels per
//                   block -> M = 2048, N = 490, K = 256, A transposed
#include <cstdint>
#include <string>
#include <vector>

#ifdef GF_HAVE_OPENBLAS
#include <cblas.h>
#endif

#include "cpu/gemm.hpp"
#include "gf/gf.hpp"
#include "report.hpp"

namespace {

/// C (M, N) = op(A) (M, K) @ B (K, N), all row-major and packed.
struct GemmShape {
  std::string name;
  bool trans_a;
  std::int64_t m, n, k;
  std::int64_t lda() const { return trans_a ? m : k; }
};

std::vector<GemmShape> shapes() {
  std::vector<GemmShape> s;
  for (std::int64_t n : {256, 512, 1024, 2048}) s.push_back({std::to_string(n), false, n, n, n});
  s.push_back({"dcgan28_convT2", true, 2048, 490, 256});
  s.push_back({"dcgan28_conv2", false, 128, 980, 1024});
  return s;
}

/// Random operands of one shape, made once outside the timed loop.
struct Operands {
  gf::Tensor a, b, c;
  explicit Operands(const GemmShape& s) {
    gf::Rng g(1);
    a = gf::randn({s.m * s.k}, {}, &g);
    b = gf::randn({s.k * s.n}, {}, &g);
    c = gf::zeros({s.m * s.n});
  }
};

void ours(benchmark::State& state, const GemmShape& s) {
  Operands x(s);
  const auto run = [&] {
    gf::cpu::gemm<float>(s.trans_a, false, s.m, s.n, s.k, 1.0f, x.a.data<float>(), s.lda(), x.b.data<float>(), s.n,
                         0.0f, x.c.data<float>(), s.n);
  };
  run();  // warm-up: packing buffers, threads
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  gf::bench::report_flops(state, 2.0 * static_cast<double>(s.m * s.n * s.k));
}

#ifdef GF_HAVE_OPENBLAS
void openblas(benchmark::State& state, const GemmShape& s) {
  Operands x(s);
  const auto run = [&] {
    cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, static_cast<int>(s.m),
                static_cast<int>(s.n), static_cast<int>(s.k), 1.0f, x.a.data<float>(), static_cast<int>(s.lda()),
                x.b.data<float>(), static_cast<int>(s.n), 0.0f, x.c.data<float>(), static_cast<int>(s.n));
  };
  run();
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  gf::bench::report_flops(state, 2.0 * static_cast<double>(s.m * s.n * s.k));
}
#endif

void register_all() {
  for (const GemmShape& s : shapes()) {
    benchmark::RegisterBenchmark(("gemm/" + s.name).c_str(), ours, s)->Unit(benchmark::kMillisecond)->UseRealTime();
#ifdef GF_HAVE_OPENBLAS
    benchmark::RegisterBenchmark(("openblas/" + s.name).c_str(), openblas, s)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
#endif
  }
}

}  // namespace

int main(int argc, char** argv) { return gf::bench::run_benchmarks(argc, argv, register_all); }
