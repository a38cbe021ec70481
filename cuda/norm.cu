// Batch norm and instance norm on the GPU: twins of src/cpu/norm.cpp, on the
// contiguous (B, C, S) layout of src/kernels/twins.inc (batch norm: B = N, S = H W;
// instance norm: B = 1, C = N C).
//
// Which part uses cuDNN, and why:
//   - channel_moments is a hand-written kernel. cuDNN's forward-training call
//     fuses the statistics with the normalisation and the running averages,
//     but the op layer (src/ops/norm.cpp) computes the statistics once and
//     shares them between the running averages, the normalisation and
//     backward, for instance norm as well as batch norm. The kernel gives
//     each channel one block that sums in double, in a fixed order: the
//     statistics are deterministic and as accurate as the CPU's.
//   - channel_normalize is a hand-written elementwise kernel: it also serves
//     the eval-mode input gradient (dx = gamma inv_std dy), which is no
//     cuDNN batch-norm call.
//   - norm_backward is cudnnBatchNormalizationBackward in spatial mode with
//     x seen as (B, C, S, 1). Given the forward's statistics as savedMean and
//     savedInvVariance (= 1 / sqrt(var + eps), our inv_std), cuDNN computes
//     exactly the CPU kernel's formula:
//       dBnBiasResult  = sum dy                       (our sum_dy)
//       dBnScaleResult = sum dy xhat                  (our sum_dy_xhat)
//       dx = gamma inv_std / M (M dy - sum dy - xhat sum dy xhat)
//     with xhat = (x - mean) inv_std. Its scale/bias/statistics tensors are
//     float for float32 data and double for float64 data, i.e. ours as they
//     are. When no dx is wanted cuDNN still writes one, into scratch memory.
#include <algorithm>
#include <optional>

#include "cuda/allocator.cuh"
#include "cuda/block_reduce.cuh"
#include "cuda/cudnn_descriptors.cuh"
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// Any value cuDNN accepts: with the saved statistics given, cuDNN does not
// recompute inv_std, so the epsilon is not used.
constexpr double kUnusedEpsilon = 1e-5;

// Channel c of the (B, C, S) block x: count = B S values, row b at x[(b C + c) S].
template <typename T>
__global__ void moments_kernel(std::int64_t B, std::int64_t C, std::int64_t S, const T* x, T* mean, T* var) {
  __shared__ double shared[kThreadsPerBlock];
  const std::int64_t count = B * S;
  for (std::int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    // Sums of (x - k) and (x - k)^2 shifted by one of the channel's own
    // values k, as on the CPU: E[(x-k)^2] - E[x-k]^2 then loses no digits to
    // cancellation when the mean is large next to the spread.
    const double k = x[c * S];
    double s1 = 0.0, s2 = 0.0;
    for (std::int64_t i = threadIdx.x; i < count; i += blockDim.x) {
      const std::int64_t b = i / S, s = i - b * S;
      const double d = static_cast<double>(x[(b * C + c) * S + s]) - k;
      s1 += d;
      s2 += d * d;
    }
    s1 = block_sum(s1, shared);
    s2 = block_sum(s2, shared);
    if (threadIdx.x == 0) {
      const double m = s1 / static_cast<double>(count);
      mean[c] = static_cast<T>(k + m);
      var[c] = static_cast<T>(fmax(0.0, s2 / static_cast<double>(count) - m * m));
    }
  }
}

// y = (x - mean[c]) scale[c] + shift[c] over the (B, C, S) block.
template <typename T>
__global__ void normalize_kernel(std::int64_t n, std::int64_t C, std::int64_t S, T* y, const T* x, const T* mean,
                                 const T* scale, const T* shift) {
  GF_CUDA_KERNEL_LOOP(i, n) {
    const std::int64_t c = i / S % C;
    y[i] = (x[i] - mean[c]) * scale[c] + shift[c];
  }
}

}  // namespace

void channel_moments(const Tensor& x, const Tensor& mean, const Tensor& var) {
  const std::int64_t B = x.size(0), C = x.size(1), S = x.size(2);
  if (C == 0) return;
  GF_CHECK(B * S > 0, "batch_norm (cuda): no values per channel in ", x.shape());
  DeviceGuard guard(x);
  const auto blocks = static_cast<unsigned int>(std::min<std::int64_t>(C, 65536));
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    moments_kernel<scalar_t><<<blocks, kThreadsPerBlock, 0, stream(x)>>>(
        B, C, S, x.data<scalar_t>(), mean.data<scalar_t>(), var.data<scalar_t>());
    GF_CUDA_CHECK_LAUNCH("channel_moments");
  });
}

void channel_normalize(const Tensor& y, const Tensor& x, const Tensor& mean, const Tensor& scale,
                       const Tensor& shift) {
  const std::int64_t n = x.numel();
  if (n == 0) return;
  DeviceGuard guard(x);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    normalize_kernel<scalar_t><<<blocks_for(n), kThreadsPerBlock, 0, stream(x)>>>(
        n, x.size(1), x.size(2), y.data<scalar_t>(), x.data<scalar_t>(), mean.data<scalar_t>(),
        scale.data<scalar_t>(), shift.data<scalar_t>());
    GF_CUDA_CHECK_LAUNCH("channel_normalize");
  });
}

void norm_backward(const Tensor& dx, const Tensor& sum_dy, const Tensor& sum_dy_xhat, const Tensor& dy,
                   const Tensor& x, const Tensor& mean, const Tensor& inv_std, const Tensor& gamma) {
  const std::int64_t B = x.size(0), C = x.size(1), S = x.size(2);
  if (C == 0) return;
  GF_CHECK(B * S > 0, "batch_norm_backward (cuda): no values per channel in ", x.shape());
  DeviceGuard guard(x);
  const int device = x.device().index;
  const DType dtype = x.dtype();
  // Spatial mode normalises each channel over N, H and W: here over B and S.
  const TensorDescriptor data(dtype, B, C, S, 1);
  TensorDescriptor channel;  // (1, C, 1, 1)
  GF_CUDNN_CHECK(cudnnDeriveBNTensorDescriptor(channel, data, CUDNN_BATCHNORM_SPATIAL));
  std::optional<DeviceBuffer> scratch;
  void* dx_data = nullptr;
  if (dx.defined()) {
    dx_data = dx.raw_data();
  } else {
    scratch.emplace(device, static_cast<std::size_t>(x.numel()) * dtype_size(dtype));
    dx_data = scratch->data();
  }
  GF_CUDNN_CHECK(cudnnBatchNormalizationBackward(
      cudnn(device), CUDNN_BATCHNORM_SPATIAL, cudnn_one(dtype), cudnn_zero(dtype), cudnn_one(dtype),
      cudnn_zero(dtype), data, x.raw_data(), data, dy.raw_data(), data, dx_data, channel, gamma.raw_data(),
      sum_dy_xhat.raw_data(), sum_dy.raw_data(), kUnusedEpsilon, mean.raw_data(), inv_std.raw_data()));
}

}  // namespace gf::cuda
