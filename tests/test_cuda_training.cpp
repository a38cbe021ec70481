// Training on the GPU: optimizer updates, deterministic mode, the first
// DCGAN-28 steps against the CPU, and the caching allocator across steps.
// Every case skips itself when there is no GPU.
#include <memory>

#include "cuda_helpers.hpp"
#include "gf/models/gan/gan_trainer.hpp"
#include "gf/optim/optim.hpp"

using namespace gf;
using gf::test::check_gpu_matches;
using gf::test::check_identical;
using gf::test::Draw;

namespace {

// Parameter shapes: a matrix, a vector, a conv weight, one long enough for
// many thread blocks.
const std::vector<Shape> kParamShapes = {{5, 3}, {7}, {2, 3, 4, 4}, {10007}};

using MakeOptimizer = std::unique_ptr<optim::Optimizer> (*)(std::vector<Tensor>);

// The same parameters and gradients on both devices for a few steps; then
// the parameters and every state buffer must agree. Parameter 1 has no
// gradient in the first step, so it must be skipped once and then catch up
// exactly as on the CPU.
void check_optimizer(const char* what, MakeOptimizer make) {
  INFO(std::string(what));
  Draw d(21);
  std::vector<Tensor> cpu, gpu;
  for (const Shape& s : kParamShapes) {
    const Tensor p = d.normal(s);
    cpu.push_back(p.clone().requires_grad_());
    gpu.push_back(p.to(Device::cuda()).requires_grad_());
  }
  auto opt_cpu = make(cpu), opt_gpu = make(gpu);
  for (int step = 0; step < 4; ++step) {
    opt_cpu->zero_grad();
    opt_gpu->zero_grad();
    for (std::size_t i = 0; i < cpu.size(); ++i) {
      if (step == 0 && i == 1) continue;
      const Tensor g = d.normal(kParamShapes[i]);
      cpu[i].set_grad(g);
      gpu[i].set_grad(g.to(Device::cuda()));
    }
    opt_cpu->step();
    opt_gpu->step();
  }
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    INFO("parameter ", i, " ", kParamShapes[i]);
    check_gpu_matches(gpu[i], cpu[i]);
    CHECK(opt_gpu->state(i).step == opt_cpu->state(i).step);
    for (const auto& [name, buffer] : opt_cpu->state(i).buffers) {
      INFO("buffer ", name);
      check_gpu_matches(opt_gpu->state(i).buffers.at(name), buffer);
    }
  }
}

// DCGAN-28 as the programs train it (full width), with a short fixed-noise batch.
models::GanTrainerOptions dcgan28_options(Device device) {
  models::GanTrainerOptions o;
  o.model = models::dcgan28();
  o.seed = 3;
  o.num_fixed_samples = 8;
  o.device = device;
  return o;
}

}  // namespace

TEST_SUITE("cuda_training") {
  TEST_CASE("Adam and SGD steps on GPU parameters follow the CPU's") {
    GF_SKIP_WITHOUT_GPU("cuda_training");
    check_optimizer("Adam, DCGAN betas, weight decay", [](std::vector<Tensor> p) -> std::unique_ptr<optim::Optimizer> {
      return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 1e-2, .beta1 = 0.5, .weight_decay = 1e-2});
    });
    check_optimizer("SGD plain", [](std::vector<Tensor> p) -> std::unique_ptr<optim::Optimizer> {
      return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1});
    });
    check_optimizer("SGD Nesterov momentum, weight decay", [](std::vector<Tensor> p) -> std::unique_ptr<optim::Optimizer> {
      return std::make_unique<optim::SGD>(
          p, optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true});
    });
  }

  TEST_CASE("deterministic mode: conv and batch-norm backward are bit-identical run to run") {
    GF_SKIP_WITHOUT_GPU("cuda_training");
    const test::DeterministicGuard deterministic(true);
    Draw d(22);
    // A DCGAN-64 D layer at a batch where non-deterministic algorithms (atomic
    // adds over the batch) would be candidates.
    const Tensor x = d.normal({32, 64, 16, 16}).to(Device::cuda());
    const Tensor w = d.normal({128, 64, 4, 4}).to(Device::cuda());
    const Tensor gy = d.normal({32, 128, 8, 8}).to(Device::cuda());
    const Tensor gamma = d.uniform({128}, 0.5, 1.5).to(Device::cuda());
    auto conv_grads = [&] {
      const Tensor xl = x.detach().requires_grad_(), wl = w.detach().requires_grad_();
      conv2d(xl, wl, Tensor(), Conv2dParams::make(2, 1)).backward(gy);
      return std::pair{xl.grad().to(Device::cpu()), wl.grad().to(Device::cpu())};
    };
    const auto [gx1, gw1] = conv_grads();
    const auto [gx2, gw2] = conv_grads();
    check_identical(gw1, gw2);
    check_identical(gx1, gx2);
    auto transposed_grads = [&] {  // DCGAN G: (32, 128, 8, 8) -> (32, 64, 16, 16)
      const Tensor yl = gy.detach().requires_grad_(), wl = w.detach().requires_grad_();
      conv_transpose2d(yl, wl, Tensor(), ConvTranspose2dParams::make(2, 1)).backward(x);
      return std::pair{yl.grad().to(Device::cpu()), wl.grad().to(Device::cpu())};
    };
    const auto [gt1, gtw1] = transposed_grads();
    const auto [gt2, gtw2] = transposed_grads();
    check_identical(gtw1, gtw2);
    check_identical(gt1, gt2);
    auto norm_grads = [&] {
      const Tensor yl = gy.detach().requires_grad_(), gl = gamma.detach().requires_grad_();
      sum(square(batch_norm(yl, gl, Tensor(), Tensor(), Tensor(), true))).backward();
      return std::pair{yl.grad().to(Device::cpu()), gl.grad().to(Device::cpu())};
    };
    const auto [gn1, gg1] = norm_grads();
    const auto [gn2, gg2] = norm_grads();
    check_identical(gn1, gn2);
    check_identical(gg1, gg2);
  }

  TEST_CASE("deterministic mode: two DCGAN-28 runs on the GPU give identical losses") {
    GF_SKIP_WITHOUT_GPU("cuda_training");
    const test::DeterministicGuard deterministic(true);
    models::GanTrainer a(dcgan28_options(Device::cuda())), b(dcgan28_options(Device::cuda()));
    Draw d(23);
    for (int step = 0; step < 3; ++step) {
      const Tensor real = d.uniform({32, 1, 28, 28}, -1.0, 1.0);
      const models::StepStats sa = a.train_step(real), sb = b.train_step(real);
      CHECK(sa.loss_d == sb.loss_d);
      CHECK(sa.loss_g == sb.loss_g);
      CHECK(sa.grad_norm_g == sb.grad_norm_g);
    }
    check_identical(a.sample_fixed(), b.sample_fixed());
  }

  TEST_CASE("the first 5 DCGAN-28 steps on the GPU match the CPU within 1e-3") {
    GF_SKIP_WITHOUT_GPU("cuda_training");
    // Same weights (both initialise on the CPU from the same seed), same noise
    // (the generator's stream does not depend on the device), same data.
    models::GanTrainer cpu(dcgan28_options(Device::cpu())), gpu(dcgan28_options(Device::cuda()));
    check_gpu_matches(gpu.fixed_noise(), cpu.fixed_noise(), 0.0);
    Draw d(24);
    constexpr double kRtol = 1e-3;
    for (int step = 0; step < 5; ++step) {
      const Tensor real = d.uniform({32, 1, 28, 28}, -1.0, 1.0);
      const models::StepStats c = cpu.train_step(real), g = gpu.train_step(real);
      INFO("step ", step + 1, ": loss_D ", g.loss_d, " vs ", c.loss_d, ", loss_G ", g.loss_g, " vs ", c.loss_g);
      CHECK(g.loss_d == doctest::Approx(c.loss_d).epsilon(kRtol));
      CHECK(g.loss_g == doctest::Approx(c.loss_g).epsilon(kRtol));
      CHECK(g.d_real == doctest::Approx(c.d_real).epsilon(kRtol));
      CHECK(g.d_fake == doctest::Approx(c.d_fake).epsilon(kRtol));
      CHECK(g.grad_norm_d == doctest::Approx(c.grad_norm_d).epsilon(kRtol));
      CHECK(g.grad_norm_g == doctest::Approx(c.grad_norm_g).epsilon(kRtol));
    }
  }

  TEST_CASE("the caching allocator reserves no more GPU memory after warm-up steps") {
    GF_SKIP_WITHOUT_GPU("cuda_training");
    models::GanTrainer trainer(dcgan28_options(Device::cuda()));
    Draw d(25);
    const Tensor real = d.uniform({64, 1, 28, 28}, -1.0, 1.0);
    for (int step = 0; step < 3; ++step) trainer.train_step(real);  // Adam state, cuDNN workspaces
    const AllocatorStats warm = cuda_allocator_stats(0);
    for (int step = 0; step < 5; ++step) trainer.train_step(real);
    const AllocatorStats after = cuda_allocator_stats(0);
    MESSAGE("GPU 0 after warm-up: reserved ", warm.reserved_bytes, " bytes, ", warm.system_allocations,
            " cudaMalloc calls; 5 steps later: reserved ", after.reserved_bytes, ", ", after.system_allocations,
            " calls, ", after.cache_hits - warm.cache_hits, " cache hits, peak ", after.peak_allocated_bytes);
    CHECK(warm.allocated_bytes > 0);
    CHECK(after.reserved_bytes == warm.reserved_bytes);
    CHECK(after.system_allocations == warm.system_allocations);
    CHECK(after.cache_hits > warm.cache_hits);
    CHECK(after.peak_allocated_bytes <= after.reserved_bytes);
    // Emptying the cache leaves only what live tensors hold.
    cuda_empty_cache();
    const AllocatorStats emptied = cuda_allocator_stats(0);
    CHECK(emptied.reserved_bytes == emptied.allocated_bytes);
    trainer.train_step(real);  // and training goes on from a cold cache
    CHECK(cuda_allocator_stats(0).system_allocations > emptied.system_allocations);
  }
}
