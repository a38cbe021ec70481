#include "kernels/kernels.hpp"

#include <cmath>

#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

// Elements per thread chunk: big enough that threads pay off only for large
// parameters (a 4M-element conv weight, not a 64-element bias).
constexpr std::int64_t kGrain = 1 << 15;

template <typename T>
void adam_impl(std::int64_t n, T* p, const T* grad, T* m, T* v, const AdamStep& s) {
  // 1 - beta is formed in double: 1 - 0.999f in float is off by 1e-5 relative.
  const T b1 = static_cast<T>(s.beta1), b2 = static_cast<T>(s.beta2);
  const T one_minus_b1 = static_cast<T>(1.0 - s.beta1), one_minus_b2 = static_cast<T>(1.0 - s.beta2);
  const T wd = static_cast<T>(s.weight_decay), eps = static_cast<T>(s.eps);
  const double t = static_cast<double>(s.t);
  const T step_size = static_cast<T>(s.lr / (1.0 - std::pow(s.beta1, t)));
  const T inv_sqrt_bc2 = static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(s.beta2, t)));
  parallel_for(0, n, kGrain, [&](std::int64_t i0, std::int64_t i1) {
#pragma omp simd
    for (std::int64_t i = i0; i < i1; ++i) {
      const T g = grad[i] + wd * p[i];
      m[i] = b1 * m[i] + one_minus_b1 * g;
      v[i] = b2 * v[i] + one_minus_b2 * g * g;
      p[i] -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
    }
  });
}

template <typename T>
void sgd_impl(std::int64_t n, T* p, const T* grad, T* buf, const SgdStep& s) {
  const T lr = static_cast<T>(s.lr), mu = static_cast<T>(s.momentum);
  const T wd = static_cast<T>(s.weight_decay), keep = static_cast<T>(1.0 - s.dampening);
  parallel_for(0, n, kGrain, [&](std::int64_t i0, std::int64_t i1) {
    if (!buf) {  // plain SGD
#pragma omp simd
      for (std::int64_t i = i0; i < i1; ++i) p[i] -= lr * (grad[i] + wd * p[i]);
      return;
    }
#pragma omp simd
    for (std::int64_t i = i0; i < i1; ++i) {
      const T g = grad[i] + wd * p[i];
      const T b = s.first ? g : mu * buf[i] + keep * g;
      buf[i] = b;
      p[i] -= lr * (s.nesterov ? g + mu * b : b);
    }
  });
}

}  // namespace

void adam_update(const std::vector<AdamTensors>& tensors, const AdamStep& s) {
  for (const AdamTensors& t : tensors) {
    GF_DTYPE_DISPATCH_FLOATING(t.param.dtype(), "adam_update", [&] {
      adam_impl<scalar_t>(t.param.numel(), t.param.data<scalar_t>(), t.grad.data<scalar_t>(),
                          t.exp_avg.data<scalar_t>(), t.exp_avg_sq.data<scalar_t>(), s);
    });
  }
}

void sgd_update(const std::vector<SgdTensors>& tensors, const SgdStep& s) {
  for (const SgdTensors& t : tensors) {
    GF_DTYPE_DISPATCH_FLOATING(t.param.dtype(), "sgd_update", [&] {
      sgd_impl<scalar_t>(t.param.numel(), t.param.data<scalar_t>(), t.grad.data<scalar_t>(),
                         t.momentum_buffer.defined() ? t.momentum_buffer.data<scalar_t>() : nullptr, s);
    });
  }
}

}  // namespace gf::cpu
