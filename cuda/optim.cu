// Optimizer updates on the GPU: twins of src/cpu/optim.cpp, one fused launch
// for a whole group of parameters (multi-tensor apply).
//
// A model has many parameter tensors, most of them small (biases, batch-norm
// weights): one launch per tensor would spend more time launching than
// updating. Instead the host cuts every parameter of the group into chunks of
// at most kChunk elements and writes a table with one row per chunk: where
// the chunk starts in each tensor (parameter, gradient, buffers) and how long
// it is. The table goes to the GPU in one copy, and one kernel launch gives
// each chunk a block, whose threads update its elements with the same
// formula, in the same precision, as the CPU kernel.
#include <algorithm>
#include <array>
#include <cmath>

#include "cuda/allocator.cuh"
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// Elements per chunk: 64 per thread of a block, and enough chunks to fill
// the GPU for a model of a few million parameters.
constexpr std::int64_t kChunk = std::int64_t{1} << 14;

/// One row of the chunk table: the chunk's first element in each of the K
/// tensors (nullptr for a tensor the update does not use) and its length.
template <typename T, int K>
struct Chunk {
  T* ptr[K];
  std::int64_t n;
};

/// Appends the chunks of one parameter's K tensors of n elements each.
template <typename T, int K>
void append_chunks(std::vector<Chunk<T, K>>& chunks, const std::array<T*, K>& tensors, std::int64_t n) {
  for (std::int64_t start = 0; start < n; start += kChunk) {
    Chunk<T, K> c;
    for (int k = 0; k < K; ++k) c.ptr[k] = tensors[k] ? tensors[k] + start : nullptr;
    c.n = std::min(kChunk, n - start);
    chunks.push_back(c);
  }
}

/// The chunk table in device memory. cudaMemcpyAsync from pageable memory
/// returns once it has staged the data, so `chunks` may die right after; the
/// copy is queued on the device's stream, ahead of the kernel that reads it.
template <typename T, int K>
DeviceBuffer upload(int device, const std::vector<Chunk<T, K>>& chunks) {
  const std::size_t bytes = chunks.size() * sizeof(Chunk<T, K>);
  DeviceBuffer table(device, bytes);
  GF_CUDA_CHECK(cudaMemcpyAsync(table.data(), chunks.data(), bytes, cudaMemcpyHostToDevice, stream(device)));
  return table;
}

/// Blocks for a chunk table: one per chunk, capped (blocks then loop).
unsigned int blocks_for_chunks(std::size_t chunks) {
  return static_cast<unsigned int>(std::min<std::size_t>(chunks, 65536));
}

__device__ inline float device_sqrt(float v) { return sqrtf(v); }
__device__ inline double device_sqrt(double v) { return sqrt(v); }

/// Adam's per-step constants, formed in double on the host as on the CPU
/// (1 - 0.999f in float would be off by 1e-5 relative).
template <typename T>
struct AdamConstants {
  T b1, b2, one_minus_b1, one_minus_b2, wd, eps, step_size, inv_sqrt_bc2;
};

template <typename T>
AdamConstants<T> adam_constants(const AdamStep& s) {
  const double t = static_cast<double>(s.t);
  return {static_cast<T>(s.beta1),
          static_cast<T>(s.beta2),
          static_cast<T>(1.0 - s.beta1),
          static_cast<T>(1.0 - s.beta2),
          static_cast<T>(s.weight_decay),
          static_cast<T>(s.eps),
          static_cast<T>(s.lr / (1.0 - std::pow(s.beta1, t))),
          static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(s.beta2, t)))};
}

// Chunk tensors: param, grad, exp_avg, exp_avg_sq.
template <typename T>
__global__ void adam_kernel(const Chunk<T, 4>* chunks, std::int64_t num_chunks, AdamConstants<T> k) {
  for (std::int64_t c = blockIdx.x; c < num_chunks; c += gridDim.x) {
    const Chunk<T, 4> chunk = chunks[c];
    T* p = chunk.ptr[0];
    const T* grad = chunk.ptr[1];
    T* m = chunk.ptr[2];
    T* v = chunk.ptr[3];
    for (std::int64_t i = threadIdx.x; i < chunk.n; i += blockDim.x) {
      const T g = grad[i] + k.wd * p[i];
      const T mi = k.b1 * m[i] + k.one_minus_b1 * g;
      const T vi = k.b2 * v[i] + k.one_minus_b2 * g * g;
      m[i] = mi;
      v[i] = vi;
      p[i] -= k.step_size * mi / (device_sqrt(vi) * k.inv_sqrt_bc2 + k.eps);
    }
  }
}

/// SGD's per-step constants.
template <typename T>
struct SgdConstants {
  T lr, mu, wd, keep;  // keep = 1 - dampening
  bool nesterov, first;
};

// Chunk tensors: param, grad, momentum_buffer (nullptr without momentum).
template <typename T>
__global__ void sgd_kernel(const Chunk<T, 3>* chunks, std::int64_t num_chunks, SgdConstants<T> k) {
  for (std::int64_t c = blockIdx.x; c < num_chunks; c += gridDim.x) {
    const Chunk<T, 3> chunk = chunks[c];
    T* p = chunk.ptr[0];
    const T* grad = chunk.ptr[1];
    T* buf = chunk.ptr[2];
    for (std::int64_t i = threadIdx.x; i < chunk.n; i += blockDim.x) {
      if (!buf) {  // plain SGD
        p[i] -= k.lr * (grad[i] + k.wd * p[i]);
        continue;
      }
      const T g = grad[i] + k.wd * p[i];
      const T b = k.first ? g : k.mu * buf[i] + k.keep * g;
      buf[i] = b;
      p[i] -= k.lr * (k.nesterov ? g + k.mu * b : b);
    }
  }
}

}  // namespace

void adam_update(const std::vector<AdamTensors>& tensors, const AdamStep& s) {
  if (tensors.empty()) return;
  const Tensor& first = tensors.front().param;
  DeviceGuard guard(first);
  GF_DTYPE_DISPATCH_FLOATING(first.dtype(), "adam_update", [&] {
    std::vector<Chunk<scalar_t, 4>> chunks;
    for (const AdamTensors& t : tensors)
      append_chunks<scalar_t, 4>(chunks,
                                 {t.param.data<scalar_t>(), t.grad.data<scalar_t>(), t.exp_avg.data<scalar_t>(),
                                  t.exp_avg_sq.data<scalar_t>()},
                                 t.param.numel());
    if (chunks.empty()) return;
    const DeviceBuffer table = upload(first.device().index, chunks);
    adam_kernel<scalar_t><<<blocks_for_chunks(chunks.size()), kThreadsPerBlock, 0, stream(first)>>>(
        static_cast<const Chunk<scalar_t, 4>*>(table.data()), static_cast<std::int64_t>(chunks.size()),
        adam_constants<scalar_t>(s));
    GF_CUDA_CHECK_LAUNCH("adam_update");
  });
}

void sgd_update(const std::vector<SgdTensors>& tensors, const SgdStep& s) {
  if (tensors.empty()) return;
  const Tensor& first = tensors.front().param;
  DeviceGuard guard(first);
  GF_DTYPE_DISPATCH_FLOATING(first.dtype(), "sgd_update", [&] {
    std::vector<Chunk<scalar_t, 3>> chunks;
    for (const SgdTensors& t : tensors)
      append_chunks<scalar_t, 3>(
          chunks,
          {t.param.data<scalar_t>(), t.grad.data<scalar_t>(),
           t.momentum_buffer.defined() ? t.momentum_buffer.data<scalar_t>() : nullptr},
          t.param.numel());
    if (chunks.empty()) return;
    const SgdConstants<scalar_t> k{static_cast<scalar_t>(s.lr), static_cast<scalar_t>(s.momentum),
                                   static_cast<scalar_t>(s.weight_decay), static_cast<scalar_t>(1.0 - s.dampening),
                                   s.nesterov, s.first};
    const DeviceBuffer table = upload(first.device().index, chunks);
    sgd_kernel<scalar_t><<<blocks_for_chunks(chunks.size()), kThreadsPerBlock, 0, stream(first)>>>(
        static_cast<const Chunk<scalar_t, 3>*>(table.data()), static_cast<std::int64_t>(chunks.size()), k);
    GF_CUDA_CHECK_LAUNCH("sgd_update");
  });
}

}  // namespace gf::cuda
