// The CUDA backend's runtime layer: device discovery, moving
// bytes between host and device, and installing the backend into the core
// library's allocator and copy registries when the library is loaded.
#include <cuda_runtime.h>

#include "cuda/allocator.cuh"
#include "cuda/check.cuh"
#include "cuda/context.cuh"
#include "cuda/runtime.hpp"
#include "gf/core/device_copy.hpp"

namespace gf::cuda {
namespace {

// Every copy runs on the stream of the GPU involved, so it is ordered after
// the kernels that produced its source. Copies that end on the host (or start
// from pageable host memory the caller may free at once) wait for completion;
// a device-to-device copy on one GPU need not.
void copy_bytes_cuda(void* dst, Device dst_device, const void* src, Device src_device, std::size_t nbytes) {
  if (dst_device.is_cuda() && src_device.is_cuda() && dst_device.index != src_device.index) {
    synchronize(src_device.index);
    DeviceGuard guard(dst_device);
    GF_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device.index, src, src_device.index, nbytes, stream(dst_device.index)));
    synchronize(dst_device.index);
    return;
  }
  const Device gpu = dst_device.is_cuda() ? dst_device : src_device;
  DeviceGuard guard(gpu);
  const cudaMemcpyKind kind = src_device.is_cpu()   ? cudaMemcpyHostToDevice
                              : dst_device.is_cpu() ? cudaMemcpyDeviceToHost
                                                    : cudaMemcpyDeviceToDevice;
  GF_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, kind, stream(gpu.index)));
  if (kind != cudaMemcpyDeviceToDevice) GF_CUDA_CHECK(cudaStreamSynchronize(stream(gpu.index)));
}

// Runs when the library is loaded, before main: from then on tensors on
// cuda:N get their memory from the caching allocator and copy through here.
[[maybe_unused]] const bool backend_registered = [] {
  register_allocator(DeviceType::kCUDA, &allocator);
  register_copy_bytes(DeviceType::kCUDA, &copy_bytes_cuda);
  return true;
}();

}  // namespace

int device_count() {
  int n = 0;
  // No driver or no GPU is not an error here: the caller falls back to the CPU.
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error
    return 0;
  }
  return n;
}

}  // namespace gf::cuda
