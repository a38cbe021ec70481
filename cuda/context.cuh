#pragma once
// Per-GPU state of the backend: the stream every kernel of that device runs
// on, and the cuBLAS and cuDNN handles bound to it, created on first use.
//
// One stream per device keeps the programming model simple: work on a device
// runs in the order it was issued, so memory the caching allocator hands out
// again can never be in use by an earlier kernel, and only copies to the host
// (item(), to_vector(), to(cpu)) need to wait for the GPU.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "gf/core/device.hpp"
#include "gf/core/tensor.hpp"

namespace gf::cuda {

/// Makes `device` current for its lifetime and restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(Device device);
  explicit DeviceGuard(const Tensor& t) : DeviceGuard(t.device()) {}
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
  bool changed_ = false;
};

/// The stream of GPU `index` (created on first use).
cudaStream_t stream(int index);
inline cudaStream_t stream(const Tensor& t) { return stream(t.device().index); }

/// The cuBLAS handle of GPU `index`, bound to its stream, with TF32 math set
/// from gf::allow_tf32() at every call.
cublasHandle_t cublas(int index);

/// The cuDNN handle of GPU `index`, bound to its stream.
cudnnHandle_t cudnn(int index);

/// Waits until every kernel queued on GPU `index` has finished (and reports
/// any error one of them raised).
void synchronize(int index);

}  // namespace gf::cuda
