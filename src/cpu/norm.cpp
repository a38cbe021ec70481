#include "kernels/kernels.hpp"

#include <algorithm>

#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

// Shape of the (B, C, S) block every kernel here walks.
struct Planes {
  std::int64_t B, C, S;
  explicit Planes(const Tensor& x) : B(x.size(0)), C(x.size(1)), S(x.size(2)) {}
  std::int64_t count() const { return B * S; }  // values per channel
  // Offset of row b of channel c.
  std::int64_t row(std::int64_t b, std::int64_t c) const { return (b * C + c) * S; }
  // Enough channels per thread chunk that each chunk does ~16k elements of work.
  std::int64_t grain() const { return std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(count(), 1)); }
};

template <typename T>
void moments_impl(const Planes& P, const T* x, T* mean, T* var) {
  parallel_for(0, P.C, P.grain(), [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      // Sums of (x - k) and (x - k)^2 in double, shifted by one of the
      // channel's own values k: E[(x-k)^2] - E[x-k]^2 then loses no digits to
      // cancellation even when the mean is large next to the spread.
      const double k = x[P.row(0, c)];
      double s1 = 0.0, s2 = 0.0;
      for (std::int64_t b = 0; b < P.B; ++b) {
        const T* row = x + P.row(b, c);
#pragma omp simd reduction(+ : s1, s2)
        for (std::int64_t s = 0; s < P.S; ++s) {
          const double d = static_cast<double>(row[s]) - k;
          s1 += d;
          s2 += d * d;
        }
      }
      const double m = s1 / static_cast<double>(P.count());
      mean[c] = static_cast<T>(k + m);
      var[c] = static_cast<T>(std::max(0.0, s2 / static_cast<double>(P.count()) - m * m));
    }
  });
}

template <typename T>
void normalize_impl(const Planes& P, T* y, const T* x, const T* mean, const T* scale, const T* shift) {
  parallel_for(0, P.C, P.grain(), [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      const T m = mean[c], a = scale[c], b = shift[c];
      for (std::int64_t n = 0; n < P.B; ++n) {
        const T* xr = x + P.row(n, c);
        T* yr = y + P.row(n, c);
        for (std::int64_t s = 0; s < P.S; ++s) yr[s] = (xr[s] - m) * a + b;
      }
    }
  });
}

template <typename T>
void backward_impl(const Planes& P, T* dx, T* sum_dy, T* sum_dy_xhat, const T* dy, const T* x, const T* mean,
                   const T* inv_std, const T* gamma) {
  const double M = static_cast<double>(P.count());
  parallel_for(0, P.C, P.grain(), [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      const double mu = mean[c], is = inv_std[c];
      // Pass 1: sum dy and sum dy (x - mean); the latter times inv_std is sum dy xhat.
      double s_dy = 0.0, s_dy_xc = 0.0;
      for (std::int64_t b = 0; b < P.B; ++b) {
        const T* xr = x + P.row(b, c);
        const T* gr = dy + P.row(b, c);
#pragma omp simd reduction(+ : s_dy, s_dy_xc)
        for (std::int64_t s = 0; s < P.S; ++s) {
          const double g = gr[s];
          s_dy += g;
          s_dy_xc += g * (static_cast<double>(xr[s]) - mu);
        }
      }
      const double s_dy_xhat = s_dy_xc * is;
      sum_dy[c] = static_cast<T>(s_dy);
      sum_dy_xhat[c] = static_cast<T>(s_dy_xhat);
      if (!dx) continue;
      // Pass 2: dx = gamma inv_std / M (M dy - sum_dy - xhat sum_dy_xhat) with
      // xhat = (x - mean) inv_std, i.e. dx = k_dy dy + k_x (x - mean) + k_0.
      const double k = static_cast<double>(gamma[c]) * is / M;
      const auto k_dy = static_cast<T>(k * M);
      const auto k_x = static_cast<T>(-k * is * s_dy_xhat);
      const auto k_0 = static_cast<T>(-k * s_dy);
      const auto m = static_cast<T>(mu);
      for (std::int64_t b = 0; b < P.B; ++b) {
        const T* xr = x + P.row(b, c);
        const T* gr = dy + P.row(b, c);
        T* dr = dx + P.row(b, c);
        for (std::int64_t s = 0; s < P.S; ++s) dr[s] = k_dy * gr[s] + k_x * (xr[s] - m) + k_0;
      }
    }
  });
}

}  // namespace

void channel_moments(const Tensor& x, const Tensor& mean, const Tensor& var) {
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    moments_impl<scalar_t>(Planes(x), x.data<scalar_t>(), mean.data<scalar_t>(), var.data<scalar_t>());
  });
}

void channel_normalize(const Tensor& y, const Tensor& x, const Tensor& mean, const Tensor& scale,
                       const Tensor& shift) {
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    normalize_impl<scalar_t>(Planes(x), y.data<scalar_t>(), x.data<scalar_t>(), mean.data<scalar_t>(),
                             scale.data<scalar_t>(), shift.data<scalar_t>());
  });
}

void norm_backward(const Tensor& dx, const Tensor& sum_dy, const Tensor& sum_dy_xhat, const Tensor& dy,
                   const Tensor& x, const Tensor& mean, const Tensor& inv_std, const Tensor& gamma) {
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "batch_norm_backward", [&] {
    backward_impl<scalar_t>(Planes(x), dx.defined() ? dx.data<scalar_t>() : nullptr, sum_dy.data<scalar_t>(),
                            sum_dy_xhat.data<scalar_t>(), dy.data<scalar_t>(), x.data<scalar_t>(),
                            mean.data<scalar_t>(), inv_std.data<scalar_t>(), gamma.data<scalar_t>());
  });
}

}  // namespace gf::cpu
