// ganforge on the GPU: whole training steps, the DCGAN-64 convolutions, GEMM.
//   cuda/dcgan64_train_step_b128        one DCGAN-64 training step at batch 128 (exact float32)
//   cuda/dcgan64_train_step_b128_tf32   the same with TF32 tensor-core math allowed
//   cuda/dcgan28_train_step_b64         one DCGAN-28 training step at batch 64
//   cuda/conv2d_fwd/<layer>             DCGAN-64 D's convolutions at batch 128, forward
//   cuda/conv2d_bwd/<layer>             ... their backward (input and weight gradients)
//   cuda/convT_fwd/<layer>, convT_bwd   DCGAN-64 G's transposed convolutions at batch 128
//   cuda/sgemm_4096, cuda/sgemm_4096_tf32   (4096, 4096) @ (4096, 4096) in float32
// A training step is GanTrainer::train_step, as in bench_models (non-saturating
// BCE, Adam lr 2e-4, betas (0.5, 0.999), no EMA), with the real batch already
// on the GPU. GPU work is queued asynchronously, so every timed iteration ends
// by reading one value back (item() waits for everything queued before it):
// the times are the GPU's, not the time to queue. The PyTorch peer with the
// same names is benchmarks/pytorch/dcgan_gpu.py; scripts/gpu_check.sh runs both.
// Without a GPU every benchmark reports the error "no GPU".
//
//   build/benchmarks/bench_cuda --benchmark_counters_tabular=true
#include <cstdint>
#include <string>

#include "gf/gf.hpp"
#include "gf/models/gan/gan_trainer.hpp"
#include "report.hpp"

namespace {

const gf::Device kGpu = gf::Device::cuda();

bool skip_without_gpu(benchmark::State& state) {
  if (gf::cuda_is_available()) return false;
  state.SkipWithError("no GPU");
  return true;
}

// Waits until the GPU has finished everything queued so far: reading one
// element back is ordered after it on the device's stream.
void wait_for_gpu(const gf::Tensor& t) { benchmark::DoNotOptimize(t.reshape({-1}).narrow(0, 0, 1).item()); }

// The GFLOP/s counter only: report.hpp's peak_frac is the CPU's peak.
void report_gpu_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP"] =
      benchmark::Counter(flops_per_iteration * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// Sets gf::allow_tf32() for one benchmark, restoring the default after it.
struct Tf32Scope {
  explicit Tf32Scope(bool on) { gf::set_allow_tf32(on); }
  ~Tf32Scope() { gf::set_allow_tf32(false); }
};

void train_step(benchmark::State& state, gf::models::DcganConfig model, std::int64_t batch, bool tf32) {
  if (skip_without_gpu(state)) return;
  const Tf32Scope scope(tf32);
  gf::models::GanTrainerOptions options;
  options.model = model;
  options.loss = gf::models::GanLoss::kNonSaturating;
  options.lr_g = options.lr_d = 2e-4;
  options.beta1 = 0.5;
  options.beta2 = 0.999;
  options.ema_decay = 0;
  options.device = kGpu;
  gf::models::GanTrainer trainer(options);
  gf::Rng g(7);
  const gf::Shape shape{batch, model.channels, model.image_size, model.image_size};
  const gf::Tensor real = gf::sub(gf::mul(gf::rand(shape, {gf::DType::kFloat32, kGpu}, &g), 2.0), 1.0);  // [-1, 1)
  // A step returns once its losses are read; G's Adam update may still be
  // running. Reading back one weight waits for it.
  const gf::Tensor weight = trainer.generator().parameters().front();
  for (int i = 0; i < 3; ++i) trainer.train_step(real);  // warm-up: Adam state, cuDNN algorithms, allocator cache
  wait_for_gpu(weight);
  for (auto _ : state) {
    benchmark::DoNotOptimize(trainer.train_step(real));
    wait_for_gpu(weight);
  }
  gf::bench::report_images(state, static_cast<double>(batch));
}

// One convolution layer of DCGAN-64 at batch 128: x (N, C_in, S, S), 4x4
// kernels, stride 2, padding 1 (the layers that resize by 2).
struct ConvLayer {
  const char* name;
  std::int64_t c_in, c_out, size;  // input feature map size (S, S)
};

// D: 3x64x64 -> 64x32x32 -> 128x16x16 -> 256x8x8 -> 512x4x4.
const ConvLayer kDiscriminatorLayers[] = {
    {"d1_3x64x64", 3, 64, 64}, {"d2_64x32x32", 64, 128, 32}, {"d3_128x16x16", 128, 256, 16}, {"d4_256x8x8", 256, 512, 8}};
// G: 512x4x4 -> 256x8x8 -> 128x16x16 -> 64x32x32 -> 3x64x64.
const ConvLayer kGeneratorLayers[] = {
    {"g2_512x4x4", 512, 256, 4}, {"g3_256x8x8", 256, 128, 8}, {"g4_128x16x16", 128, 64, 16}, {"g5_64x32x32", 64, 3, 32}};
constexpr std::int64_t kConvBatch = 128;

// Forward or backward of conv2d (transposed = false) or conv_transpose2d.
void conv_layer(benchmark::State& state, ConvLayer layer, bool transposed, bool backward) {
  if (skip_without_gpu(state)) return;
  gf::Rng g(7);
  const std::int64_t n = kConvBatch, s = layer.size;
  const gf::Tensor x = gf::randn({n, layer.c_in, s, s}, {gf::DType::kFloat32, kGpu}, &g).requires_grad_();
  // conv2d weight (C_out, C_in, 4, 4); conv_transpose2d weight (C_in, C_out, 4, 4).
  const gf::Shape w_shape = transposed ? gf::Shape{layer.c_in, layer.c_out, 4, 4} : gf::Shape{layer.c_out, layer.c_in, 4, 4};
  const gf::Tensor w = gf::mul(gf::randn(w_shape, {gf::DType::kFloat32, kGpu}, &g), 0.02).detach().requires_grad_();
  auto forward = [&] {
    return transposed ? gf::conv_transpose2d(x, w, gf::Tensor(), gf::ConvTranspose2dParams::make(2, 1))
                      : gf::conv2d(x, w, gf::Tensor(), gf::Conv2dParams::make(2, 1));
  };
  const gf::Tensor y = forward();  // warm-up: cuDNN algorithm search, workspace
  const gf::Tensor gy = gf::randn(y.shape(), {gf::DType::kFloat32, kGpu}, &g);
  // 2 flops per multiply-add: every position of the smaller feature map
  // (conv2d's output, conv_transpose2d's input) meets every 4x4xC_in x C_out
  // weight once. The backward pass does twice the forward's work (input and
  // weight gradients).
  const std::int64_t small = transposed ? s : s / 2;
  const double flops = 2.0 * static_cast<double>(n * small * small * layer.c_in * layer.c_out * 16);
  if (backward) {
    y.backward(gy, true);
    for (auto _ : state) {
      x.zero_grad();
      w.zero_grad();
      y.backward(gy, true);
      wait_for_gpu(w.grad());
    }
    report_gpu_flops(state, 2.0 * flops);
  } else {
    gf::NoGradGuard no_grad;
    for (auto _ : state) wait_for_gpu(forward());
    report_gpu_flops(state, flops);
  }
}

void sgemm(benchmark::State& state, std::int64_t n, bool tf32) {
  if (skip_without_gpu(state)) return;
  const Tf32Scope scope(tf32);
  gf::Rng g(7);
  const gf::Tensor a = gf::randn({n, n}, {gf::DType::kFloat32, kGpu}, &g);
  const gf::Tensor b = gf::randn({n, n}, {gf::DType::kFloat32, kGpu}, &g);
  wait_for_gpu(gf::matmul(a, b));  // warm-up: cuBLAS handle and workspace
  for (auto _ : state) wait_for_gpu(gf::matmul(a, b));
  report_gpu_flops(state, 2.0 * static_cast<double>(n * n * n));
}

void register_all() {
  auto timed = [](benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMillisecond)->UseRealTime(); };
  timed(benchmark::RegisterBenchmark("cuda/dcgan64_train_step_b128", train_step, gf::models::dcgan64(), 128, false));
  timed(benchmark::RegisterBenchmark("cuda/dcgan64_train_step_b128_tf32", train_step, gf::models::dcgan64(), 128, true));
  timed(benchmark::RegisterBenchmark("cuda/dcgan28_train_step_b64", train_step, gf::models::dcgan28(), 64, false));
  for (const ConvLayer& layer : kDiscriminatorLayers) {
    timed(benchmark::RegisterBenchmark((std::string("cuda/conv2d_fwd/") + layer.name).c_str(), conv_layer, layer,
                                       false, false));
    timed(benchmark::RegisterBenchmark((std::string("cuda/conv2d_bwd/") + layer.name).c_str(), conv_layer, layer,
                                       false, true));
  }
  for (const ConvLayer& layer : kGeneratorLayers) {
    timed(benchmark::RegisterBenchmark((std::string("cuda/convT_fwd/") + layer.name).c_str(), conv_layer, layer,
                                       true, false));
    timed(benchmark::RegisterBenchmark((std::string("cuda/convT_bwd/") + layer.name).c_str(), conv_layer, layer,
                                       true, true));
  }
  timed(benchmark::RegisterBenchmark("cuda/sgemm_4096", sgemm, 4096, false));
  timed(benchmark::RegisterBenchmark("cuda/sgemm_4096_tf32", sgemm, 4096, true));
}

}  // namespace

int main(int argc, char** argv) { return gf::bench::run_benchmarks(argc, argv, register_all); }
