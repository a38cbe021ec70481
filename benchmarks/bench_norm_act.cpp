// Memory-bound layers of a DCGAN discriminator (GB/s): batch norm in training
// mode and LeakyReLU(0.2), on D's second conv output (64, 128, 14, 14).
//   batchnorm_fwd    the op gf::batch_norm, training (batch statistics, running
//                    statistics updated), no grad recorded
//   batchnorm_bwd    the fused backward kernel gf::cpu::norm_backward (dx, dgamma,
//                    dbeta) from the forward's saved statistics
//   leaky_relu       the op gf::leaky_relu, no grad recorded
//   leaky_relu_bwd   the kernel gf::cpu::leaky_relu_backward
// GB counts compulsory traffic only (report.hpp): forward passes read x and
// write y; backward passes read dy and x and write dx. Batch norm reads x twice
// (statistics, then normalisation); the second read is not counted.
//
//   build/benchmarks/bench_norm_act --benchmark_counters_tabular=true
#include <cstdint>
#include <string>

#include "kernels/kernels.hpp"
#include "gf/gf.hpp"
#include "report.hpp"

namespace {

const gf::Shape kShape{64, 128, 14, 14};  // (N, C, H, W)
const std::string kSuffix = "/64x128x14x14";
constexpr double kSlope = 0.2;

double bytes(std::int64_t tensors) { return static_cast<double>(tensors * kShape.numel()) * sizeof(float); }

gf::Tensor random(const gf::Shape& shape, std::uint64_t seed) {
  gf::Rng g(seed);
  return gf::randn(shape, {}, &g);
}

/// Runs `pass` once to warm up, then times it.
template <typename Pass>
void time_pass(benchmark::State& state, double bytes_per_pass, Pass pass) {
  gf::NoGradGuard no_grad;
  pass();
  for (auto _ : state) {
    pass();
    benchmark::ClobberMemory();
  }
  gf::bench::report_bytes(state, bytes_per_pass);
}

void batchnorm_fwd(benchmark::State& state) {
  const std::int64_t C = kShape[1];
  const gf::Tensor x = random(kShape, 1), gamma = gf::ones({C}), beta = gf::zeros({C});
  const gf::Tensor running_mean = gf::zeros({C}), running_var = gf::ones({C});
  gf::Tensor y;
  time_pass(state, bytes(2), [&] { y = gf::batch_norm(x, gamma, beta, running_mean, running_var, true); });
}

void batchnorm_bwd(benchmark::State& state) {
  const std::int64_t N = kShape[0], C = kShape[1], S = kShape[2] * kShape[3];
  const gf::Tensor x = random({N, C, S}, 1), dy = random({N, C, S}, 2), gamma = random({C}, 3);
  // The statistics the forward pass saves: per-channel mean and 1 / std.
  const gf::Tensor mean = gf::mean(x, {0, 2});
  const gf::Tensor inv_std = gf::rdiv(1.0, gf::sqrt(gf::add(gf::var(x, {0, 2}, false), 1e-5)));
  const gf::Tensor dx = gf::empty({N, C, S}), dgamma = gf::empty({C}), dbeta = gf::empty({C});
  time_pass(state, bytes(3), [&] { gf::cpu::norm_backward(dx, dbeta, dgamma, dy, x, mean, inv_std, gamma); });
}

void leaky_relu(benchmark::State& state) {
  const gf::Tensor x = random(kShape, 1);
  gf::Tensor y;
  time_pass(state, bytes(2), [&] { y = gf::leaky_relu(x, kSlope); });
}

void leaky_relu_bwd(benchmark::State& state) {
  const gf::Tensor x = random(kShape, 1), dy = random(kShape, 2), dx = gf::empty(kShape);
  time_pass(state, bytes(3), [&] { gf::cpu::leaky_relu_backward(dx, dy, x, kSlope); });
}

void register_all() {
  const struct {
    const char* name;
    void (*fn)(benchmark::State&);
  } benchmarks[] = {{"batchnorm_fwd", batchnorm_fwd},
                    {"batchnorm_bwd", batchnorm_bwd},
                    {"leaky_relu", leaky_relu},
                    {"leaky_relu_bwd", leaky_relu_bwd}};
  for (const auto& b : benchmarks)
    benchmark::RegisterBenchmark((b.name + kSuffix).c_str(), b.fn)->Unit(benchmark::kMicrosecond)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) { return gf::bench::run_benchmarks(argc, argv, register_all); }
