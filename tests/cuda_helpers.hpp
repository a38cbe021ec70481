#pragma once
// Shared by the CUDA suites: skipping without a GPU, and running one op on the
// CPU and on the GPU from the same inputs to compare outputs and gradients.
//
//   GF_SKIP_WITHOUT_GPU("cuda_ops");
//   gf::test::check_on_gpu("conv2d stride 2", [](const Inputs& in) { return conv2d(in[0], in[1]); },
//                          {randn({2, 3, 9, 9}), randn({4, 3, 3, 3})});
//
// Tolerances are relative to the output's magnitude: an element may differ by
// rtol |cpu| + rtol max|cpu|, so a sum of many terms that happens to be near
// zero is judged by the size of the terms, not by the near-zero result.
#include <set>
#include <string>
#include <vector>

#include "gf/core/cuda_info.hpp"
#include "gf/core/determinism.hpp"
#include "draw.hpp"
#include "helpers.hpp"

namespace gf::test {

/// True when this build or machine has no GPU. Says so once per suite (a
/// doctest MESSAGE), so a skipped suite is visible in the test output.
inline bool skip_without_gpu(const char* suite) {
  if (cuda_is_available()) return false;
  static std::set<std::string> told;
  if (told.insert(suite).second) {
    const std::string why = cuda_is_built() ? "this build has the CUDA backend but the machine has no usable GPU"
                                            : "this build has no CUDA backend (GF_CUDA=OFF, or nvcc/cuDNN were not found)";
    const std::string message = std::string(suite) + ": every GPU test case skipped, " + why;
    MESSAGE(message);
  }
  return true;
}

/// float32 on the GPU against float32 on the CPU (issue 4: 1e-4 relative).
inline constexpr double kGpuRtol = 1e-4;
/// TF32 tensor-core math rounds inputs to 10 mantissa bits.
inline constexpr double kTf32Rtol = 1e-2;

/// Largest |value| of a tensor (0 for an empty one).
inline double max_abs(const Tensor& t) {
  double m = 0.0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

/// CHECKs that `gpu` was computed on a GPU and, brought to the CPU, matches
/// `cpu` within `rtol` of each element plus `rtol` of the largest |cpu|.
/// Integer results (argmax, indices) must match exactly.
inline void check_gpu_matches(const Tensor& gpu, const Tensor& cpu, double rtol = kGpuRtol) {
  CHECK_MESSAGE(gpu.device().is_cuda(), "result is on ", gpu.device(), ", expected a GPU");
  CHECK_MESSAGE(gpu.dtype() == cpu.dtype(), "dtype ", gpu.dtype(), " on the GPU vs ", cpu.dtype(), " on the CPU");
  const Tensor back = gpu.detach().to(Device::cpu());
  if (is_floating(cpu.dtype())) {
    GF_CHECK_CLOSE(back, cpu, rtol, rtol * max_abs(cpu));
  } else {
    GF_CHECK_CLOSE(back, cpu, 0.0, 0.0);
  }
}

/// CHECKs bit equality of two tensors (any devices).
inline void check_identical(const Tensor& a, const Tensor& b) {
  CHECK(a.shape() == b.shape());
  CHECK(a.to_vector<double>() == b.to_vector<double>());
}

/// The leaves one check_on_gpu call made, after its backward pass: inspect
/// them for state an op updates in place (batch norm's running statistics).
struct GpuRun {
  Inputs cpu, gpu;
  Tensor y_cpu, y_gpu;
};

/// Runs `op` on CPU copies and on GPU copies of `inputs` (CPU tensors) and
/// compares the results. When the result takes a gradient, both sides get the
/// same random upstream gradient, and the gradient of every floating input
/// (except those listed in `constants`) is compared too.
inline GpuRun check_on_gpu(const std::string& what, const OpFn& op, const Inputs& inputs,
                           double rtol = kGpuRtol, const std::set<std::size_t>& constants = {}) {
  INFO(what);
  GpuRun r;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (!t.defined()) {  // an optional argument left out (no bias)
      r.cpu.push_back(t), r.gpu.push_back(t);
      continue;
    }
    const bool grad = is_floating(t.dtype()) && !constants.count(i);
    Tensor c = t.detach().clone(), g = t.detach().to(Device::cuda());
    if (grad) c.requires_grad_(), g.requires_grad_();
    r.cpu.push_back(c), r.gpu.push_back(g);
  }
  r.y_cpu = op(r.cpu);
  r.y_gpu = op(r.gpu);
  check_gpu_matches(r.y_gpu, r.y_cpu, rtol);
  if (!r.y_cpu.requires_grad()) return r;

  Rng gen(0x6a7d);
  const Tensor upstream = randn(r.y_cpu.shape(), {r.y_cpu.dtype()}, &gen);
  r.y_cpu.backward(upstream);
  r.y_gpu.backward(upstream.to(Device::cuda()));
  for (std::size_t i = 0; i < r.cpu.size(); ++i) {
    if (!r.cpu[i].defined() || !r.cpu[i].requires_grad()) continue;
    INFO("gradient of input ", i, " ", r.cpu[i].shape());
    REQUIRE(r.gpu[i].grad().defined() == r.cpu[i].grad().defined());
    if (r.cpu[i].grad().defined()) check_gpu_matches(r.gpu[i].grad(), r.cpu[i].grad(), rtol);
  }
  return r;
}

/// Sets gf::allow_tf32() for its lifetime, restoring the previous setting.
class Tf32Guard {
 public:
  explicit Tf32Guard(bool on) : previous_(allow_tf32()) { set_allow_tf32(on); }
  ~Tf32Guard() { set_allow_tf32(previous_); }
  Tf32Guard(const Tf32Guard&) = delete;
  Tf32Guard& operator=(const Tf32Guard&) = delete;

 private:
  bool previous_;
};

/// Sets gf::deterministic() for its lifetime, restoring the previous setting.
class DeterministicGuard {
 public:
  explicit DeterministicGuard(bool on) : previous_(deterministic()) { set_deterministic(on); }
  ~DeterministicGuard() { set_deterministic(previous_); }
  DeterministicGuard(const DeterministicGuard&) = delete;
  DeterministicGuard& operator=(const DeterministicGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace gf::test

/// Ends the current test case early (after saying why, once per suite) when
/// there is no GPU to run it on.
#define GF_SKIP_WITHOUT_GPU(suite)                    \
  do {                                                \
    if (::gf::test::skip_without_gpu(suite)) return;  \
  } while (0)
