#include "cuda/context.cuh"

#include <memory>
#include <mutex>
#include <vector>

#include "cuda/check.cuh"
#include "cuda/runtime.hpp"
#include "gf/core/cuda_info.hpp"

namespace gf::cuda {
namespace {

struct DeviceContext {
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
};

// Contexts live until the process ends: destroying handles from a static
// destructor races the CUDA runtime's own shutdown.
DeviceContext& context(int index) {
  static std::mutex mutex;
  static std::vector<std::unique_ptr<DeviceContext>> contexts;
  std::lock_guard<std::mutex> lock(mutex);
  const int count = device_count();
  GF_CHECK(index >= 0 && index < count, "cuda: device cuda:", index, " does not exist (this machine has ", count,
           " CUDA device", count == 1 ? "" : "s", ")");
  if (contexts.size() < static_cast<std::size_t>(count)) contexts.resize(static_cast<std::size_t>(count));
  auto& slot = contexts[static_cast<std::size_t>(index)];
  if (!slot) {
    DeviceGuard guard(Device::cuda(index));
    auto c = std::make_unique<DeviceContext>();
    GF_CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    GF_CUBLAS_CHECK(cublasCreate(&c->cublas));
    GF_CUBLAS_CHECK(cublasSetStream(c->cublas, c->stream));
    GF_CUDNN_CHECK(cudnnCreate(&c->cudnn));
    GF_CUDNN_CHECK(cudnnSetStream(c->cudnn, c->stream));
    slot = std::move(c);
  }
  return *slot;
}

}  // namespace

DeviceGuard::DeviceGuard(Device device) {
  GF_CHECK(device.is_cuda(), "cuda: expected a CUDA device, got ", device);
  GF_CUDA_CHECK(cudaGetDevice(&previous_));
  if (previous_ != device.index) {
    GF_CUDA_CHECK(cudaSetDevice(device.index));
    changed_ = true;
  }
}

DeviceGuard::~DeviceGuard() {
  if (changed_) cudaSetDevice(previous_);  // a destructor must not throw
}

cudaStream_t stream(int index) { return context(index).stream; }

cublasHandle_t cublas(int index) {
  cublasHandle_t handle = context(index).cublas;
  GF_CUBLAS_CHECK(cublasSetMathMode(handle, allow_tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  return handle;
}

cudnnHandle_t cudnn(int index) { return context(index).cudnn; }

void synchronize(int index) {
  DeviceGuard guard(Device::cuda(index));
  GF_CUDA_CHECK(cudaStreamSynchronize(stream(index)));
}

}  // namespace gf::cuda
