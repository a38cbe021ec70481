// Whole-model speed: milliseconds per step and images per second.
//   model/dcgan28_train_step_b64   one DCGAN-28 training step at batch 64
//   model/dcgan64_train_step_b16   one DCGAN-64 training step at batch 16
//   model/dcgan28_G_infer_b64      DCGAN-28 generator forward, eval mode, no grad
//   model/style_net_apply_512      feed-forward style network (Johnson layout, width 32)
//                                  on one 512x512 RGB image, eval, no grad
//   model/style_net_w16_256_b1/b4  the serve gallery's network (width 16) on 256x256
//                                  images, one at a time or four in a batch: whether
//                                  the service should batch same-size requests
// A training step is GanTrainer::train_step: D on the real batch and on
// detached fakes, then G through D, non-saturating BCE-with-logits, Adam
// (lr 2e-4, betas (0.5, 0.999)) on both, no EMA. The real batch is fixed random
// data in [-1, 1]: speed does not depend on the pixels.
//
//   build/benchmarks/bench_models --benchmark_counters_tabular=true
#include <cstdint>

#include "gf/gf.hpp"
#include "gf/models/gan/gan_trainer.hpp"
#include "gf/models/style/style_net.hpp"
#include "report.hpp"

namespace {

void train_step(benchmark::State& state, gf::models::DcganConfig model, std::int64_t batch) {
  gf::models::GanTrainerOptions options;
  options.model = model;
  options.loss = gf::models::GanLoss::kNonSaturating;
  options.lr_g = options.lr_d = 2e-4;
  options.beta1 = 0.5;
  options.beta2 = 0.999;
  options.ema_decay = 0;
  gf::models::GanTrainer trainer(options);
  gf::Rng g(7);
  const gf::Shape shape{batch, model.channels, model.image_size, model.image_size};
  const gf::Tensor real = gf::sub(gf::mul(gf::rand(shape, {}, &g), 2.0), 1.0);  // uniform in [-1, 1)
  trainer.train_step(real);  // warm-up: Adam state, workspaces, allocator cache
  for (auto _ : state) benchmark::DoNotOptimize(trainer.train_step(real));
  gf::bench::report_images(state, static_cast<double>(batch));
}

void generator_inference(benchmark::State& state, gf::models::DcganConfig model, std::int64_t batch) {
  gf::Rng g(7);
  gf::models::DcganGenerator G(model, g);
  G.eval();
  const gf::Tensor z = gf::randn({batch, model.nz}, {}, &g);
  gf::NoGradGuard no_grad;
  gf::Tensor images = G.forward(z);  // warm-up
  for (auto _ : state) {
    images = G.forward(z);
    benchmark::DoNotOptimize(images.raw_data());
  }
  gf::bench::report_images(state, static_cast<double>(batch));
}

void style_net_apply(benchmark::State& state, std::int64_t size, std::int64_t width, std::int64_t batch) {
  gf::Rng g(7);
  gf::models::StyleNet net({.width = width}, &g);
  net.eval();
  const gf::Tensor image = gf::rand({batch, 3, size, size}, {}, &g);  // (B, 3, H, W) RGB in [0, 1)
  gf::NoGradGuard no_grad;
  gf::Tensor out = net.forward(image);  // warm-up: workspaces, allocator cache
  for (auto _ : state) {
    out = net.forward(image);
    benchmark::DoNotOptimize(out.raw_data());
  }
  gf::bench::report_images(state, static_cast<double>(batch));
}

void register_all() {
  benchmark::RegisterBenchmark("model/dcgan28_train_step_b64", train_step, gf::models::dcgan28(), 64)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("model/dcgan64_train_step_b16", train_step, gf::models::dcgan64(), 16)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("model/dcgan28_G_infer_b64", generator_inference, gf::models::dcgan28(), 64)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("model/style_net_apply_512", style_net_apply, 512, 32, 1)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  for (const std::int64_t batch : {1, 4})
    benchmark::RegisterBenchmark(("model/style_net_w16_256_b" + std::to_string(batch)).c_str(), style_net_apply, 256,
                                 16, batch)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) { return gf::bench::run_benchmarks(argc, argv, register_all); }
